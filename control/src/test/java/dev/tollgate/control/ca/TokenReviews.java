package dev.tollgate.control.ca;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.utils.ResponseProvider;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The API server's TokenReview, as an expectation of fabric8's mock server
 * ({@code server.expect().post().withPath(PATH).andReply(reviews).always()}): it answers each token with the status
 * stubbed for it, an unknown token with what a real API server says of a forged one, and records every review asked.
 * Shared by the control plane's tests and the command line's end-to-end tests (this module's test jar).
 */
public final class TokenReviews implements ResponseProvider<Object> {

    public static final String PATH = "/apis/authentication.k8s.io/v1/tokenreviews";
    /** Stands for "the API server fails": the review of this token answers HTTP 500. */
    public static final String FAILING_TOKEN = "token-that-breaks-the-api-server";

    public final List<TokenReview> asked = new CopyOnWriteArrayList<>();
    private final Map<String, TokenReviewStatus> statuses = new ConcurrentHashMap<>();
    private Headers headers = new Headers.Builder().build();
    // the request body can be read once only, and the mock asks for the status code and the body separately
    private final Map<RecordedRequest, TokenReview> parsed = Collections.synchronizedMap(new WeakHashMap<>());

    public void stub(String token, TokenReviewStatus status) {
        statuses.put(token, status);
    }

    public void forget(String token) {
        statuses.remove(token);
    }

    /** What the API server says of a valid projected token of NS/SA for audience tollgate. */
    public static TokenReviewStatus serviceAccount(String namespace, String name) {
        return new TokenReviewStatusBuilder().withAuthenticated(true).withAudiences("tollgate")
                .withNewUser().withUsername("system:serviceaccount:" + namespace + ":" + name)
                .withGroups("system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated")
                .endUser().build();
    }

    public static TokenReviewStatus unauthenticated(String error) {
        return new TokenReviewStatusBuilder().withAuthenticated(false).withError(error).build();
    }

    @Override
    public int getStatusCode(RecordedRequest request) {
        return review(request).getSpec().getToken().equals(FAILING_TOKEN) ? 500 : 201;
    }

    @Override
    public Object getBody(RecordedRequest request) {
        TokenReview review = review(request);
        asked.add(review);
        if (review.getSpec().getToken().equals(FAILING_TOKEN)) {
            return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"etcdserver: request timed out\",\"code\":500}";
        }
        TokenReviewStatus status = statuses.getOrDefault(review.getSpec().getToken(),
                unauthenticated("[invalid bearer token, square/go-jose: error in cryptographic primitive]"));
        return new TokenReviewBuilder(review).withStatus(status).build();
    }

    @Override
    public Headers getHeaders() {
        return headers;
    }

    @Override
    public void setHeaders(Headers headers) {
        this.headers = headers;
    }

    private TokenReview review(RecordedRequest request) {
        return parsed.computeIfAbsent(request, r -> Serialization.unmarshal(r.getUtf8Body(), TokenReview.class));
    }
}
