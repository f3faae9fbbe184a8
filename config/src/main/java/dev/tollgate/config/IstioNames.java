package dev.tollgate.config;

import dev.tollgate.core.model.net.IpAddress;
import dev.tollgate.core.model.net.IpPrefix;
import dev.tollgate.core.model.net.HostName;

import dev.tollgate.core.model.KubernetesNames;
import dev.tollgate.core.model.PortProtocol;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Istio's name and host rules (istio/istio pkg/config/validation/agent, pkg/config/labels): each returns the error
 * message, or empty when the value is valid. Istio's DNS labels accept upper case; Kubernetes object names do not.
 */
final class IstioNames {
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?");
    private static final Pattern WILDCARD_LABEL =
            Pattern.compile("\\*|(?:\\*|\\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?");
    private static final Pattern LABEL_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

    private IstioNames() {
    }

    /** Istio's DNS-1123 label (letters of either case, digits, '-'; at most 63). */
    static boolean isDnsLabel(String s) {
        return s.length() <= 63 && DNS1123_LABEL.matcher(s).matches();
    }

    static Optional<String> fqdn(String s) {
        return preconditions(s).or(() -> labels(s));
    }

    /** A host that may start with a wildcard label: {@code *.example.com}, {@code *}. */
    static Optional<String> wildcardDomain(String s) {
        Optional<String> pre = preconditions(s);
        if (pre.isPresent()) {
            return pre;
        }
        int dot = s.indexOf('.');
        String first = dot < 0 ? s : s.substring(0, dot);
        if (first.length() > 63 || !WILDCARD_LABEL.matcher(first).matches()) {
            return Optional.of("domain name \"" + s + "\" invalid (label \"" + first + "\" invalid)");
        }
        return dot < 0 ? Optional.empty() : labels(s.substring(dot + 1));
    }

    static Optional<String> partialWildcard(String s) {
        if (s.contains("*") && s.length() != 1 && !s.startsWith("*.")) {
            return Optional.of("partial wildcard \"" + s + "\" not allowed");
        }
        return Optional.empty();
    }

    /** {@code namespace/host} in a Sidecar egress listener or (with isGateway) a Gateway server. */
    static Optional<String> namespaceSlashHost(String host, boolean isGateway) {
        int slash = host.indexOf('/');
        if (slash < 0) {
            if (isGateway) {
                return hostPart(host, true);
            }
            return Optional.of("host \"" + host + "\" must be of form namespace/dnsName");
        }
        String ns = host.substring(0, slash);
        String name = host.substring(slash + 1);
        if (ns.isEmpty() || name.isEmpty()) {
            return Optional.of("config namespace and dnsName in host entry \"" + host + "\" cannot be empty");
        }
        boolean specialNs = ns.equals("*") || ns.equals(".") || (!isGateway && ns.equals("~"));
        if (!specialNs && !isDnsLabel(ns)) {
            return Optional.of("invalid namespace value \"" + ns + "\" in " + (isGateway ? "gateway" : "sidecar")
                    + " host \"" + host + "\"");
        }
        return hostPart(name, isGateway);
    }

    private static Optional<String> hostPart(String host, boolean isGateway) {
        if (!host.equals("*") && !host.contains(".")) {
            return Optional.of("short names (non FQDN) are not allowed: \"" + host + "\"");
        }
        Optional<String> err = wildcardDomain(host);
        if (err.isPresent() && !(isGateway && isIpAddress(host))) {
            return err;
        }
        return partialWildcard(host);
    }

    /** An IP literal by the one rule, {@link IpAddress} (Go's netip.ParseAddr, as Istio validates; no zones). */
    static boolean isIpAddress(String s) {
        return IpAddress.isLiteral(s);
    }

    /**
     * An IP address or a CIDR block ({@code 10.0.0.0/8}, {@code 2001:db8::/32}), by {@link IpPrefix}: Istio's
     * ValidateIPSubnet and authorization ValidateIPs both take netip.ParsePrefix, so host bits may be set.
     */
    static boolean isIpOrCidr(String s) {
        return IpPrefix.parse(s).isPresent();
    }

    static Optional<String> port(long number) {
        return number >= 1 && number <= 65535 ? Optional.empty()
                : Optional.of("port number " + number + " must be in the range 1..65535");
    }

    /** Kubernetes label key and value rules, as Istio's labels.Instance.Validate. */
    static Optional<String> label(String key, String value) {
        String name = key;
        int slash = key.indexOf('/');
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (!KubernetesNames.isSubdomain(prefix)) {
                return Optional.of("invalid label key prefix \"" + prefix + "\"");
            }
        }
        if (name.isEmpty() || name.length() > 63 || !LABEL_NAME.matcher(name).matches()) {
            return Optional.of("invalid label key \"" + key + "\"");
        }
        if (!value.isEmpty() && (value.length() > 63 || !LABEL_NAME.matcher(value).matches())) {
            return Optional.of("invalid label value \"" + value + "\" for key \"" + key + "\"");
        }
        return Optional.empty();
    }

    /** Istio's protocol names ({@link PortProtocol#parse}); empty means sniffing. */
    static boolean isProtocol(String p) {
        return p.isEmpty() || !PortProtocol.parse(p).isUnsupported();
    }

    private static Optional<String> preconditions(String s) {
        // before Istio's own checks, so every boundary gives the same reason for a non-ASCII name
        Optional<String> ascii = HostName.nonAscii(s);
        if (ascii.isPresent()) {
            return ascii;
        }
        if (s.length() > 255) {
            return Optional.of("domain name \"" + s + "\" too long (max 255)");
        }
        if (s.isEmpty()) {
            return Optional.of("empty domain name not allowed");
        }
        return Optional.empty();
    }

    private static Optional<String> labels(String domain) {
        String[] parts = domain.split("\\.", -1);
        String tld = parts[parts.length - 1];
        if (tld.matches("\\d+")) {
            return Optional.of("domain name \"" + domain + "\" invalid (top level domain \"" + tld
                    + "\" cannot be all-numeric)");
        }
        for (int i = 0; i < parts.length; i++) {
            if (i == parts.length - 1 && parts[i].isEmpty()) {
                return Optional.empty(); // a trailing dot, as in "istio.io."
            }
            if (!isDnsLabel(parts[i])) {
                return Optional.of("domain name \"" + domain + "\" invalid (label \"" + parts[i] + "\" invalid)");
            }
        }
        return Optional.empty();
    }
}
