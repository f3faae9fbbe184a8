package dev.tollgate.proxy;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a proxy opens upstream connections.
 *
 * @param timeout      how long resolving, connecting and the TLS handshake to an upstream may take together before
 *                     the request is answered 503 ({@code --connect-timeout}; Istio's meshConfig.connectTimeout
 *                     default, 10 s)
 * @param allowedCidrs address blocks that DNS answers and addresses written by clients may reach although the
 *                     {@link AddressGuard} refuses them by default ({@code --allow-destination-cidr}), e.g.
 *                     {@code 10.0.0.0/8}; they never open the proxy's own ports
 */
public record ConnectSettings(Duration timeout, List<String> allowedCidrs) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final ConnectSettings DEFAULTS = new ConnectSettings(DEFAULT_TIMEOUT, List.of());

    /** @throws IllegalArgumentException for a timeout that is not positive or a block that does not parse */
    public ConnectSettings {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("--connect-timeout " + timeout + ": must be positive");
        }
        allowedCidrs = List.copyOf(allowedCidrs);
        allowedCidrs.forEach(AddressGuard::allowedBlock);
    }

    public ConnectSettings withTimeout(Duration d) {
        return new ConnectSettings(d, allowedCidrs);
    }

    public ConnectSettings withAllowedCidrs(List<String> cidrs) {
        return new ConnectSettings(timeout, cidrs);
    }
}
