package dev.tollgate.core.tutorial;

import dev.tollgate.core.model.Verdict;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.CheckResult;
import dev.tollgate.core.snapshot.GatewayDecision;
import dev.tollgate.core.snapshot.GatewayRequest;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.Peer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.Optional;

import static dev.tollgate.core.model.OutboundMode.REGISTRY_ONLY;
import static dev.tollgate.core.tutorial.TutorialFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The tutorial's configuration under hostile or unusual requests: nothing widens access. */
class TutorialHostileInputTest {
    static final WorkloadRef GATEWAY = new WorkloadRef("istio-system", "istio-egressgateway-service-account",
            Map.of("istio", "egressgateway", "app", "istio-egressgateway"));
    static final Optional<Peer> OTHERNS_PEER = Optional.of(new Peer("cluster.local/ns/otherns/sa/sleep", "otherns"));

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Developers.Google.COM", "developers.google.com.", "DEVELOPERS.GOOGLE.COM."})
    void hostNamesMatchCaseInsensitivelyWithATrailingDotIgnored(String host) {
        MeshSnapshot s = snapshot(REGISTRY_ONLY, "default=a3-google-serviceentry.yaml");
        assertThat(s.check(DEFAULT_SLEEP, https(host)).allowed()).isTrue();
        assertThat(s.check(OTHERNS_SLEEP, https(host)).outcome()).isEqualTo(Verdict.BLOCKED);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"developers.google.com.evil.example", "evil-developers.google.com", "google.com",
            "developers.google.com:443"})
    void lookalikeHostsAreNotTheRegisteredHost(String host) {
        MeshSnapshot s = snapshot(REGISTRY_ONLY, "default=a3-google-serviceentry.yaml");
        CheckResult r = s.check(DEFAULT_SLEEP, https(host));
        assertThat(r.allowed()).isFalse();
        assertThat(r.outcome()).isEqualTo(Verdict.BLOCKED);
    }

    @Test
    void aHostHeaderForYahooInsideGooglesMtlsFindsNoRouteAtTheGateway() {
        // B3 denies otherns -> google by SNI; sending Host: yahoo with SNI google must not reach yahoo either.
        MeshSnapshot s = snapshot(REGISTRY_ONLY, TutorialTest.with(TutorialTest.HTTP_GATEWAY,
                "istio-system=b3-deny-by-namespace.yaml"));
        GatewayDecision d = s.gateway(GATEWAY, new GatewayRequest(80, Optional.of(GOOGLE), OTHERNS_PEER,
                Optional.of(new HttpRequestInfo("HEAD", YAHOO, "/", Map.of())), "10.0.0.1", "10.0.0.2"));
        assertThat(d).isNotInstanceOf(GatewayDecision.Forward.class);
    }

    @Test
    void aHostHeaderForYahooWithGooglesSniIsNotRoutedToYahooEvenWithoutPolicies() {
        MeshSnapshot s = snapshot(REGISTRY_ONLY, TutorialTest.HTTP_GATEWAY);
        GatewayDecision d = s.gateway(GATEWAY, new GatewayRequest(80, Optional.of(GOOGLE), OTHERNS_PEER,
                Optional.of(new HttpRequestInfo("HEAD", YAHOO, "/", Map.of())), "10.0.0.1", "10.0.0.2"));
        assertThat(d).isInstanceOf(GatewayDecision.NoRoute.class);
    }

    @Test
    void aTlsConnectionWithoutSniFindsNoServerWithSpecificHosts() {
        MeshSnapshot s = snapshot(REGISTRY_ONLY, TutorialTest.HTTPS_GATEWAY);
        GatewayDecision d = s.gateway(GATEWAY, new GatewayRequest(443, Optional.empty(), OTHERNS_PEER,
                Optional.empty(), "10.0.0.1", "10.0.0.2"));
        assertThat(d).isInstanceOf(GatewayDecision.NoRoute.class);
    }

    @Test
    void withoutAClientCertificateTheGatewayTakesNoConnection() {
        MeshSnapshot s = snapshot(REGISTRY_ONLY, TutorialTest.HTTPS_GATEWAY);
        GatewayDecision d = s.gateway(GATEWAY, new GatewayRequest(443, Optional.of(GOOGLE), Optional.empty(),
                Optional.empty(), "10.0.0.1", "10.0.0.2"));
        assertThat(d).isInstanceOf(GatewayDecision.NoRoute.class);
    }

    @Test
    void aWorkloadThatIsNotTheGatewayHasNoListeners() {
        MeshSnapshot s = snapshot(REGISTRY_ONLY, TutorialTest.HTTP_GATEWAY);
        assertThat(s.gatewayListeners(DEFAULT_SLEEP)).isEmpty();
        assertThat(s.gateway(DEFAULT_SLEEP, new GatewayRequest(80, Optional.of(GOOGLE), OTHERNS_PEER,
                Optional.of(new HttpRequestInfo("HEAD", GOOGLE, "/", Map.of())), "10.0.0.1", "10.0.0.2")))
                .isInstanceOf(GatewayDecision.NoRoute.class);
    }

    @Test
    void plainHttpToTheTlsOnlyPortOfTheHttpsVariantIsRefused() {
        // external-*-https.yaml declares only port 443 (TLS): http:// on port 80 is unknown under REGISTRY_ONLY.
        MeshSnapshot s = snapshot(REGISTRY_ONLY, TutorialTest.HTTPS_GATEWAY);
        assertThat(s.check(DEFAULT_SLEEP, httpHead(GOOGLE)).outcome()).isEqualTo(Verdict.BLOCKED);
        assertThat(s.check(DEFAULT_SLEEP, OutboundRequest.http(GOOGLE, 443,
                new HttpRequestInfo("GET", GOOGLE, "/", Map.of()))).allowed()).isFalse();
    }
}
