package dev.tollgate.control.ca;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

import java.net.InetAddress;
import java.util.List;

/**
 * An API server (fabric8's mock, expectations mode) whose TokenReview answers with the status stubbed for each
 * token ({@link TokenReviews}); an unknown token gets what a real API server says of a forged one. It records every
 * review it was asked.
 */
final class FakeTokenReviewApi implements AutoCloseable {

    static final String PATH = TokenReviews.PATH;
    /** Stands for "the API server fails": the review of this token answers HTTP 500. */
    static final String FAILING_TOKEN = TokenReviews.FAILING_TOKEN;

    final KubernetesMockServer server = new KubernetesMockServer(false);
    private final TokenReviews reviews = new TokenReviews();
    final List<TokenReview> asked = reviews.asked;

    FakeTokenReviewApi() {
        server.init(InetAddress.getLoopbackAddress(), 0);
        server.expect().post().withPath(PATH).andReply(reviews).always();
    }

    /** A client that does not retry: a test of "the API server fails" must see the failure, not a retry. */
    KubernetesClient client() {
        return server.createClient(b -> b.editOrNewConfig().withRequestRetryBackoffLimit(0).endConfig());
    }

    void stub(String token, TokenReviewStatus status) {
        reviews.stub(token, status);
    }

    void forget(String token) {
        reviews.forget(token);
    }

    /** What the API server says of a valid projected token of NS/SA for audience tollgate. */
    static TokenReviewStatus serviceAccount(String namespace, String name) {
        return TokenReviews.serviceAccount(namespace, name);
    }

    static TokenReviewStatus unauthenticated(String error) {
        return TokenReviews.unauthenticated(error);
    }

    @Override
    public void close() {
        server.destroy();
    }
}
