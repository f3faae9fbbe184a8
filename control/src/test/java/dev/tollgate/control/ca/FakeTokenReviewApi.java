package dev.tollgate.control.ca;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.utils.ResponseProvider;

import java.net.InetAddress;
import java.util.Collections;
import java.util.List;
import java.util.WeakHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An API server (fabric8's mock, expectations mode) whose TokenReview answers with the status stubbed for each
 * token; an unknown token gets what a real API server says of a forged one. It records every review it was asked.
 */
final class FakeTokenReviewApi implements AutoCloseable {

    static final String PATH = "/apis/authentication.k8s.io/v1/tokenreviews";
    /** Stands for "the API server fails": the review of this token answers HTTP 500. */
    static final String FAILING_TOKEN = "token-that-breaks-the-api-server";

    final KubernetesMockServer server = new KubernetesMockServer(false);
    final List<TokenReview> asked = new CopyOnWriteArrayList<>();
    private final Map<String, TokenReviewStatus> statuses = new ConcurrentHashMap<>();

    FakeTokenReviewApi() {
        server.init(InetAddress.getLoopbackAddress(), 0);
        server.expect().post().withPath(PATH).andReply(new Reviews()).always();
    }

    /** A client that does not retry: a test of "the API server fails" must see the failure, not a retry. */
    KubernetesClient client() {
        return server.createClient(b -> b.editOrNewConfig().withRequestRetryBackoffLimit(0).endConfig());
    }

    void stub(String token, TokenReviewStatus status) {
        statuses.put(token, status);
    }

    void forget(String token) {
        statuses.remove(token);
    }

    /** What the API server says of a valid projected token of NS/SA for audience tollgate. */
    static TokenReviewStatus serviceAccount(String namespace, String name) {
        return new TokenReviewStatusBuilder().withAuthenticated(true).withAudiences("tollgate")
                .withNewUser().withUsername("system:serviceaccount:" + namespace + ":" + name)
                .withGroups("system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated")
                .endUser().build();
    }

    static TokenReviewStatus unauthenticated(String error) {
        return new TokenReviewStatusBuilder().withAuthenticated(false).withError(error).build();
    }

    @Override
    public void close() {
        server.destroy();
    }

    private final class Reviews implements ResponseProvider<Object> {
        private Headers headers = new Headers.Builder().build();
        // the request body can be read once only, and the mock asks for the status code and the body separately
        private final Map<RecordedRequest, TokenReview> parsed = Collections.synchronizedMap(new WeakHashMap<>());

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
}
