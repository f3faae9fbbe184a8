package dev.tollgate.identity;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A PKIX trust manager over the roots a source holds at each handshake (a {@link TrustBundle}, or the control
 * plane's CA Secret): for TLS stacks that take a
 * trust manager once (gRPC's channel and server credentials), so that they follow a root rotation without being
 * rebuilt. The PKIX manager is rebuilt only when the bundle's roots change.
 */
final class LiveTrustManager extends X509ExtendedTrustManager {

    private record Built(List<X509Certificate> roots, X509ExtendedTrustManager pkix) {
    }

    private final Supplier<List<X509Certificate>> roots;
    private final AtomicReference<Built> built = new AtomicReference<>();

    LiveTrustManager(Supplier<List<X509Certificate>> roots) {
        this.roots = roots;
    }

    private X509ExtendedTrustManager pkix() {
        List<X509Certificate> now = roots.get();
        Built b = built.get();
        // equals, not identity: a source may build a new list for the same roots on every call
        if (b == null || !b.roots.equals(now)) {
            b = new Built(now, pkix(now));
            built.set(b);
        }
        return b.pkix;
    }

    static X509ExtendedTrustManager pkix(List<X509Certificate> roots) {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            for (int i = 0; i < roots.size(); i++) {
                ks.setCertificateEntry("mesh-root-" + i, roots.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            for (var tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("no X509 trust manager for the mesh roots");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust manager for the mesh roots: " + e.getMessage(), e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        pkix().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        pkix().checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        pkix().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        pkix().checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix().checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix().getAcceptedIssuers();
    }
}
