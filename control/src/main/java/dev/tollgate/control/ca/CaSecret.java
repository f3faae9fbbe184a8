package dev.tollgate.control.ca;

import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.TrustBundle;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The mesh CA's root, read from a Kubernetes Secret (like Istio's {@code cacerts} / {@code istio-ca-secret}):
 * {@value #CERT_KEY} and {@value #KEY_KEY}, PEM, in the control plane's namespace; optionally
 * {@value #TRUSTED_KEY}, roots trusted without signing (during a root rotation, the other root of the pair: see
 * {@link CaBundle}).
 *
 * <p>Only read: the control plane never creates or changes the Secret, so its RBAC can hold exactly {@code get},
 * {@code list} and {@code watch} on that one name ({@link CaSecretWatch} lists and watches with a field selector on
 * {@code metadata.name}, which is what lets RBAC's {@code resourceNames} allow a list or watch), and replicas never
 * race to create different roots. Creating it is an explicit
 * step (a future {@code tollgate ca init --kubernetes}); until then {@code kubectl create secret generic
 * tollgate-ca --from-file=ca.crt=ca-cert.pem --from-file=ca.key=ca-key.pem} from a {@code tollgate ca init} folder.
 */
public final class CaSecret {

    public static final String DEFAULT_NAME = "tollgate-ca";
    public static final String CERT_KEY = "ca.crt";
    public static final String KEY_KEY = "ca.key";
    /** Roots trusted but not signing, PEM, possibly several; optional. */
    public static final String TRUSTED_KEY = "trusted-roots.crt";

    private CaSecret() {
    }

    /**
     * @throws IllegalStateException when the Secret is missing, incomplete, unreadable, or not a valid root
     */
    public static MeshCa load(KubernetesClient client, String namespace, String name) {
        return read(client, namespace, name).signing();
    }

    /**
     * The signing root and the roots trusted besides it, with one GET.
     *
     * @throws IllegalStateException when the Secret is missing, incomplete, unreadable, or not a valid root
     */
    public static CaBundle read(KubernetesClient client, String namespace, String name) {
        String where = "Secret " + namespace + "/" + name;
        Secret secret;
        try {
            secret = client.secrets().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            throw new IllegalStateException("cannot read the CA's " + where + ": " + e.getMessage(), e);
        }
        if (secret == null) {
            throw new IllegalStateException("the CA's " + where + " does not exist; create it from a 'tollgate ca init' folder:"
                    + " kubectl -n " + namespace + " create secret generic " + name + " --from-file=" + CERT_KEY + "=ca-cert.pem"
                    + " --from-file=" + KEY_KEY + "=ca-key.pem");
        }
        return parse(secret, where);
    }

    /**
     * The CA in a Secret's content: what a watch of the Secret calls on each change.
     *
     * @param where names the Secret in errors
     * @throws IllegalStateException saying which entry is missing or wrong, and how
     */
    public static CaBundle parse(Secret secret, String where) {
        String cert = entry(secret, CERT_KEY, where);
        String key = entry(secret, KEY_KEY, where);
        MeshCa signing;
        try {
            signing = MeshCa.fromPem(cert, key, where);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        int certificates = cert.split("-----BEGIN CERTIFICATE-----", -1).length - 1;
        if (certificates != 1) {
            // a second root here would be neither signing nor trusted: say where it belongs
            throw new IllegalStateException(where + ": '" + CERT_KEY + "' holds " + certificates + " certificates; it must"
                    + " hold exactly the signing root (roots trusted besides it go in '" + TRUSTED_KEY + "')");
        }
        List<X509Certificate> trusted = List.of();
        String extra = optionalEntry(secret, TRUSTED_KEY, where);
        if (extra != null && !extra.isBlank()) {
            try {
                trusted = TrustBundle.parseRoots(extra, where + " (" + TRUSTED_KEY + ")");
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            for (X509Certificate root : trusted) {
                try {
                    root.verify(root.getPublicKey());
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException(where + " (" + TRUSTED_KEY + "): " + root.getSubjectX500Principal().getName()
                            + " is not a self-signed root", e);
                }
            }
        }
        return new CaBundle(signing, trusted);
    }

    private static String entry(Secret secret, String key, String where) {
        String value = optionalEntry(secret, key, where);
        if (value == null) {
            throw new IllegalStateException(where + " has no '" + key + "' entry (it needs " + CERT_KEY + " and " + KEY_KEY + ")");
        }
        return value;
    }

    private static String optionalEntry(Secret secret, String key, String where) {
        Map<String, String> data = secret.getData();
        String encoded = data == null ? null : data.get(key);
        if (encoded != null) {
            try {
                // not the MIME decoder: it skips every character outside the alphabet, so garbage would decode to an
                // empty entry, and an empty trusted-roots.crt during a rotation distrusts the other root silently
                return new String(Base64.getDecoder().decode(encoded.replaceAll("\\s", "")), StandardCharsets.US_ASCII);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(where + ": '" + key + "' is not base64", e);
            }
        }
        // stringData is write-only on a real API server, but a Secret loaded from a file may carry it
        Map<String, String> plain = secret.getStringData();
        return plain == null ? null : plain.get(key);
    }
}
