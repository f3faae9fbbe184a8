package dev.tollgate.identity;

import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static dev.tollgate.identity.TestCertificates.dns;
import static dev.tollgate.identity.TestCertificates.uri;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Named.named;

class SpiffeIdTest {

    @Test
    void parsesIstioWorkloadIdentity() {
        // Istio security concepts: "spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>"
        assertThat(SpiffeId.parse("spiffe://cluster.local/ns/default/sa/sleep"))
                .contains(new SpiffeId("cluster.local", "default", "sleep"));
    }

    @Test
    void principalIsTheUriWithoutScheme() {
        // AuthorizationPolicy "principals": "cluster.local/ns/default/sa/sleep"
        SpiffeId id = new SpiffeId("cluster.local", "otherns", "sleep-google");
        assertThat(id.principal()).isEqualTo("cluster.local/ns/otherns/sa/sleep-google");
        assertThat(id.uri()).isEqualTo("spiffe://cluster.local/ns/otherns/sa/sleep-google");
        assertThat(SpiffeId.parsePrincipal(id.principal())).contains(id);
    }

    @Test
    void serviceAccountMayBeADnsSubdomain() {
        assertThat(SpiffeId.parse("spiffe://td/ns/a/sa/build.bot-1")).isPresent();
    }

    static Stream<Named<String>> hostileUris() {
        return Stream.of(
                named("empty", ""),
                named("other scheme", "https://cluster.local/ns/default/sa/sleep"),
                named("upper-case scheme", "SPIFFE://cluster.local/ns/default/sa/sleep"),
                named("no authority slashes", "spiffe:cluster.local/ns/default/sa/sleep"),
                named("three slashes (empty trust domain)", "spiffe:///ns/default/sa/sleep"),
                named("upper-case trust domain", "spiffe://Cluster.local/ns/default/sa/sleep"),
                named("trust domain with port", "spiffe://cluster.local:443/ns/default/sa/sleep"),
                named("trust domain with user info", "spiffe://evil@cluster.local/ns/default/sa/sleep"),
                named("trust domain with underscore (outside Istio's DNS-1123 set)", "spiffe://cluster_local/ns/default/sa/sleep"),
                named("trust domain empty label", "spiffe://cluster..local/ns/default/sa/sleep"),
                named("trust domain trailing dot", "spiffe://cluster.local./ns/default/sa/sleep"),
                named("trust domain label starting with dash", "spiffe://-cluster.local/ns/default/sa/sleep"),
                named("trust domain label of 64 chars", "spiffe://" + "a".repeat(64) + ".local/ns/default/sa/sleep"),
                named("percent-encoded trust domain", "spiffe://cluster%2Elocal/ns/default/sa/sleep"),
                named("percent-encoded slash in namespace", "spiffe://cluster.local/ns/default%2Fsa%2Fadmin/sa/sleep"),
                named("percent-encoded namespace", "spiffe://cluster.local/ns/%64efault/sa/sleep"),
                named("no path", "spiffe://cluster.local"),
                named("root path", "spiffe://cluster.local/"),
                named("wrong first keyword", "spiffe://cluster.local/namespace/default/sa/sleep"),
                named("wrong second keyword", "spiffe://cluster.local/ns/default/serviceaccount/sleep"),
                named("upper-case keyword", "spiffe://cluster.local/NS/default/sa/sleep"),
                named("swapped keywords", "spiffe://cluster.local/sa/sleep/ns/default"),
                named("empty namespace", "spiffe://cluster.local/ns//sa/sleep"),
                named("empty service account", "spiffe://cluster.local/ns/default/sa/"),
                named("trailing slash", "spiffe://cluster.local/ns/default/sa/sleep/"),
                named("extra segment", "spiffe://cluster.local/ns/default/sa/sleep/extra"),
                named("double slash", "spiffe://cluster.local//ns/default/sa/sleep"),
                named("dot segment", "spiffe://cluster.local/ns/./sa/sleep"),
                named("dot-dot segment", "spiffe://cluster.local/ns/default/sa/../sa/admin"),
                named("query", "spiffe://cluster.local/ns/default/sa/sleep?x=1"),
                named("fragment", "spiffe://cluster.local/ns/default/sa/sleep#frag"),
                named("upper-case namespace", "spiffe://cluster.local/ns/Default/sa/sleep"),
                named("namespace with dot (not a DNS-1123 label)", "spiffe://cluster.local/ns/a.b/sa/sleep"),
                named("space", "spiffe://cluster.local/ns/default/sa/sl eep"),
                named("NUL byte", "spiffe://cluster.local/ns/default/sa/sleep\u0000admin"),
                named("newline (log injection)", "spiffe://cluster.local/ns/default/sa/sleep\nadmin"),
                named("non-ASCII look-alike", "spiffe://cluster.local/ns/default/sa/sl\u0435ep"),
                named("fullwidth solidus", "spiffe://cluster.local/ns/default\uff0fsa\uff0fsleep"),
                named("backslash", "spiffe://cluster.local\\ns\\default\\sa\\sleep"),
                named("leading space", " spiffe://cluster.local/ns/default/sa/sleep"),
                named("longer than 2048", "spiffe://cluster.local/ns/default/sa/" + "a".repeat(2100)));
    }

    @ParameterizedTest
    @MethodSource("hostileUris")
    void rejectsAnythingButExactlyIstioShape(String uri) {
        assertThat(SpiffeId.parse(uri)).isEmpty();
    }

    @Test
    void constructorRejectsInvalidParts() {
        assertThatThrownBy(() -> new SpiffeId("cluster.local", "Default", "sleep")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SpiffeId("cluster.local", "default", "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SpiffeId("a/b", "default", "sleep")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void errorMessagesNeverEchoControlCharacters() {
        assertThatThrownBy(() -> new SpiffeId("cluster.local", "x\u001b[31m\n", "sleep"))
                .hasMessageNotContaining("\u001b").hasMessageNotContaining("\n");
    }

    static Stream<Arguments> certificates() {
        return Stream.of(
                Arguments.of(named("one spiffe URI", List.of(uri("spiffe://cluster.local/ns/default/sa/sleep"))), true),
                Arguments.of(named("one spiffe URI beside a DNS name", List.of(dns("sleep.default"), uri("spiffe://cluster.local/ns/default/sa/sleep"))), true),
                Arguments.of(named("no SAN at all", List.<GeneralName>of()), false),
                Arguments.of(named("only a DNS name", List.of(dns("sleep.default.svc"))), false),
                Arguments.of(named("two spiffe URIs (ambiguous)", List.of(
                        uri("spiffe://cluster.local/ns/default/sa/sleep"), uri("spiffe://cluster.local/ns/istio-system/sa/admin"))), false),
                Arguments.of(named("the same URI twice", List.of(
                        uri("spiffe://cluster.local/ns/default/sa/sleep"), uri("spiffe://cluster.local/ns/default/sa/sleep"))), false),
                Arguments.of(named("a spiffe URI and an https URI", List.of(
                        uri("spiffe://cluster.local/ns/default/sa/sleep"), uri("https://example.com/"))), false),
                Arguments.of(named("an https URI", List.of(uri("https://cluster.local/ns/default/sa/sleep"))), false),
                Arguments.of(named("percent-encoded path", List.of(uri("spiffe://cluster.local/ns/default/sa/sle%65p"))), false),
                Arguments.of(named("trust domain only", List.of(uri("spiffe://cluster.local"))), false));
    }

    @ParameterizedTest
    @MethodSource("certificates")
    void certificateMustCarryExactlyOneValidUriSan(List<GeneralName> sans, boolean accepted) throws Exception {
        assertThat(SpiffeId.fromCertificate(TestCertificates.withSans(sans)).isPresent()).isEqualTo(accepted);
    }
}
