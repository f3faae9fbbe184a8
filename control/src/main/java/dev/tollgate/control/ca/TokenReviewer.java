package dev.tollgate.control.ca;

import dev.tollgate.control.ca.TokenRefusedException.Reason;
import dev.tollgate.identity.SpiffeId;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.List;
import java.util.Objects;

/**
 * Proves a workload's identity from its projected service-account token, by asking the API server
 * ({@code authentication.k8s.io/v1} TokenReview with {@code spec.audiences: [tollgate]}), as istiod does.
 *
 * <p>Every call asks the API server again; nothing is cached. A token is revoked when its pod or service
 * account is deleted, and only the API server knows that: a cache would keep minting certificates for a
 * workload that no longer exists. Certificates are asked for rarely (once per proxy per two thirds of a
 * lifetime), so the cost is a few reviews an hour per proxy.
 *
 * <p>Everything that is not a clear yes is a no, and an API failure is a no too (fail closed).
 */
public final class TokenReviewer {

    /** The audience of the projected token that the proxies present, and that the review asks for. */
    public static final String AUDIENCE = "tollgate";
    static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";
    /** The group the API server puts every service account in; istiod requires it too. */
    static final String SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts";

    private final KubernetesClient client;
    private final String trustDomain;

    /** @param trustDomain the CA's trust domain, for the SPIFFE ID the token proves */
    public TokenReviewer(KubernetesClient client, String trustDomain) {
        this.client = Objects.requireNonNull(client, "client");
        SpiffeId.trustDomainProblem(trustDomain).ifPresent(p -> {
            throw new IllegalArgumentException(p);
        });
        this.trustDomain = trustDomain;
    }

    /**
     * The identity {@code token} proves.
     *
     * @throws TokenRefusedException when it proves none, or the API server cannot say (see {@link Reason})
     */
    public SpiffeId review(String token) throws TokenRefusedException {
        TokenReview request = new TokenReviewBuilder()
                .withNewSpec().withToken(token).withAudiences(AUDIENCE).endSpec()
                .build();
        TokenReview response;
        try {
            response = client.authentication().v1().tokenReviews().create(request);
        } catch (KubernetesClientException e) {
            throw new TokenRefusedException(Reason.API_ERROR, "the TokenReview API failed"
                    + (e.getCode() > 0 ? " with HTTP " + e.getCode() : "") + ": " + SpiffeId.printable(e.getMessage()), e);
        } catch (RuntimeException e) {
            throw new TokenRefusedException(Reason.API_ERROR, "the TokenReview API failed: " + SpiffeId.printable(e.toString()), e);
        }
        if (response == null || response.getStatus() == null) {
            throw new TokenRefusedException(Reason.API_ERROR, "the TokenReview response has no status");
        }
        return judge(response.getStatus(), trustDomain);
    }

    /** The identity a review's status proves; the rules of the class comment. */
    static SpiffeId judge(TokenReviewStatus status, String trustDomain) throws TokenRefusedException {
        String error = status.getError();
        if (!Boolean.TRUE.equals(status.getAuthenticated())) {
            throw new TokenRefusedException(Reason.NOT_AUTHENTICATED, "the API server did not authenticate the token"
                    + (error == null || error.isEmpty() ? "" : ": " + SpiffeId.printable(error)));
        }
        if (error != null && !error.isEmpty()) {
            // istiod refuses any review that carries an error, whatever "authenticated" says
            throw new TokenRefusedException(Reason.NOT_AUTHENTICATED, "the token review reports an error: " + SpiffeId.printable(error));
        }
        List<String> audiences = status.getAudiences();
        if (audiences == null || !audiences.contains(AUDIENCE)) {
            // an API server that ignores spec.audiences leaves status.audiences empty: it has not checked them
            throw new TokenRefusedException(Reason.WRONG_AUDIENCE, "the token is not for audience '" + AUDIENCE
                    + "' (the API server accepted it for " + (audiences == null ? "[]" : printable(audiences)) + ")");
        }
        UserInfo user = status.getUser();
        String username = user == null ? null : user.getUsername();
        if (username == null || !username.startsWith(SERVICE_ACCOUNT_PREFIX)) {
            throw new TokenRefusedException(Reason.NOT_A_SERVICE_ACCOUNT, "the token belongs to '"
                    + SpiffeId.printable(username) + "', not to a service account (system:serviceaccount:NAMESPACE:NAME)");
        }
        List<String> groups = user.getGroups();
        if (groups == null || !groups.contains(SERVICE_ACCOUNTS_GROUP)) {
            throw new TokenRefusedException(Reason.NOT_A_SERVICE_ACCOUNT, "'" + SpiffeId.printable(username)
                    + "' is not in the group " + SERVICE_ACCOUNTS_GROUP);
        }
        return serviceAccount(username, trustDomain);
    }

    /**
     * {@code system:serviceaccount:NS:SA}: exactly four colon-separated parts, a namespace name and a service
     * account name as Kubernetes allows them (the rules of {@link SpiffeId}). Nothing is trimmed or folded.
     */
    static SpiffeId serviceAccount(String username, String trustDomain) throws TokenRefusedException {
        String[] parts = username.split(":", -1);
        if (parts.length != 4) {
            throw new TokenRefusedException(Reason.MALFORMED_USERNAME, "service account username '"
                    + SpiffeId.printable(username) + "' is not system:serviceaccount:NAMESPACE:NAME");
        }
        try {
            return new SpiffeId(trustDomain, parts[2], parts[3]);
        } catch (IllegalArgumentException e) {
            throw new TokenRefusedException(Reason.MALFORMED_USERNAME, "service account username '"
                    + SpiffeId.printable(username) + "': " + e.getMessage(), e);
        }
    }

    private static String printable(List<String> values) {
        return values.stream().map(SpiffeId::printable).toList().toString();
    }
}
