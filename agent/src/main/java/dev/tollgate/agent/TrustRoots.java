package dev.tollgate.agent;

import dev.tollgate.identity.PemFiles;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;

/**
 * The mesh roots a proxy trusts for the control plane ({@code --root-cert}, the {@code tollgate-ca-root} ConfigMap's
 * {@code root-cert.pem}, possibly several roots during a rotation). The one place they are read: the CA client and
 * the config client both take this supplier, so making the file reload on change is a change here only.
 */
public final class TrustRoots {
    public static final Path DEFAULT_FILE = Path.of("/var/run/secrets/tollgate/root-cert.pem");

    private TrustRoots() {
    }

    /**
     * Reads the file now, once; a missing, unreadable or empty file fails here, at start.
     *
     * @throws IllegalArgumentException naming the file and the problem
     */
    public static Supplier<List<X509Certificate>> readOnce(Path file) {
        List<X509Certificate> roots;
        try {
            roots = List.copyOf(PemFiles.readCertificates(file));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--root-cert: " + e.getMessage(), e);
        }
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("--root-cert " + file + " holds no certificate");
        }
        return () -> roots;
    }
}
