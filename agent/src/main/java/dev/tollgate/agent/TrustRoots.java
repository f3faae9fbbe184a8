package dev.tollgate.agent;

import dev.tollgate.identity.TrustBundle;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;

/**
 * The mesh roots a proxy trusts for the control plane ({@code --root-cert}, the {@code tollgate-ca-root} ConfigMap's
 * {@code root-cert.pem}, possibly several roots during a rotation). The one place they are read: the CA client and
 * the config client both take what this returns, and follow the file as it changes.
 */
public final class TrustRoots {
    public static final Path DEFAULT_FILE = Path.of("/var/run/secrets/tollgate/root-cert.pem");

    private TrustRoots() {
    }

    /**
     * Reads the file now, and again whenever it changes (a mounted ConfigMap is updated in place during a root
     * rotation); a missing, unreadable or empty file fails here, at start, and a broken later version keeps the last
     * good roots ({@link TrustBundle#watch}).
     *
     * @throws IllegalArgumentException naming the file and the problem
     */
    public static TrustBundle watch(Path file) {
        try {
            return TrustBundle.watch(file);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--root-cert " + file + ": " + e.getMessage(), e);
        }
    }
}
