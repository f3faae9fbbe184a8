package dev.tollgate.control.ca;

import dev.tollgate.identity.MeshCa;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * The mesh CA's root, read from a Kubernetes Secret (like Istio's {@code cacerts} / {@code istio-ca-secret}):
 * {@value #CERT_KEY} and {@value #KEY_KEY}, PEM, in the control plane's namespace.
 *
 * <p>Only {@code get}: the control plane never creates or changes the Secret, so its RBAC can hold exactly
 * {@code get} on that one name, and replicas never race to create different roots. Creating it is an explicit
 * step (a future {@code tollgate ca init --kubernetes}); until then {@code kubectl create secret generic
 * tollgate-ca --from-file=ca.crt=ca-cert.pem --from-file=ca.key=ca-key.pem} from a {@code tollgate ca init} folder.
 */
public final class CaSecret {

    public static final String DEFAULT_NAME = "tollgate-ca";
    public static final String CERT_KEY = "ca.crt";
    public static final String KEY_KEY = "ca.key";

    private CaSecret() {
    }

    /**
     * @throws IllegalStateException when the Secret is missing, incomplete, unreadable, or not a valid root
     */
    public static MeshCa load(KubernetesClient client, String namespace, String name) {
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
        String cert = entry(secret, CERT_KEY, where);
        String key = entry(secret, KEY_KEY, where);
        try {
            return MeshCa.fromPem(cert, key, where);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private static String entry(Secret secret, String key, String where) {
        Map<String, String> data = secret.getData();
        String encoded = data == null ? null : data.get(key);
        if (encoded != null) {
            try {
                return new String(Base64.getMimeDecoder().decode(encoded), StandardCharsets.US_ASCII);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(where + ": '" + key + "' is not base64", e);
            }
        }
        // stringData is write-only on a real API server, but a Secret loaded from a file may carry it
        Map<String, String> plain = secret.getStringData();
        if (plain != null && plain.get(key) != null) {
            return plain.get(key);
        }
        throw new IllegalStateException(where + " has no '" + key + "' entry (it needs " + CERT_KEY + " and " + KEY_KEY + ")");
    }
}
