package dev.tollgate.cli.lab;

import dev.tollgate.cli.demo.Check;
import dev.tollgate.cli.demo.DemoWorkload;
import dev.tollgate.cli.demo.Outcome;
import dev.tollgate.cli.demo.Scenario;
import dev.tollgate.cli.demo.Step;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A configuration of the tutorial's part B that the lab runs with capture on, and what the tutorial says each pod
 * gets for each host and scheme. The scheme the variant does not serve has no ServiceEntry port under
 * REGISTRY_ONLY, so the sidecar refuses it (the tutorial's part A rule).
 *
 * @param scheme the scheme the variant routes through the gateway ({@code http} or {@code https})
 */
record LabPhase(Step step, String scheme, String title) {
    static final List<DemoWorkload> PODS = List.of(DemoWorkload.DEFAULT_SLEEP, DemoWorkload.OTHERNS_SLEEP);

    /** B3 (namespaces denied by connection.sni, HTTP variant), B5 (principals, HTTPS variant), and B3's policies on the HTTPS variant. */
    static List<LabPhase> all() {
        Step b3 = Scenario.tutorial().stream().filter(s -> s.id().equals("B3")).findFirst().orElseThrow();
        Step b5 = Scenario.tutorial().stream().filter(s -> s.id().equals("B5")).findFirst().orElseThrow();
        Map<String, List<String>> b3Https = new LinkedHashMap<>();
        b3Https.put("istio-system", List.of("external-google-https.yaml", "external-yahoo-https.yaml",
                "authz-deny-google.yaml", "authz-deny-yahoo.yaml"));
        List<Check> b3HttpsChecks = new ArrayList<>();
        for (Check c : b3.checks()) {
            b3HttpsChecks.add(new Check(c.from(), c.url().replace("http://", "https://"), c.expected()));
        }
        Step b3s = new Step("B3-https", "B3's namespace policies (connection.sni) on the HTTPS variant", b3.mesh(),
                b3Https, b3HttpsChecks);
        return List.of(
                new LabPhase(b3, "http", "tutorial B3: HTTP variant, deny-google from otherns and deny-yahoo from default"),
                new LabPhase(b5, "https", "tutorial B5: HTTPS variant (TLS passthrough), the principal policies"),
                new LabPhase(b3s, "https", "B3's namespace policies on the HTTPS variant (they match connection.sni)"));
    }

    /** The requests: each pod, each host, both schemes. */
    List<String> urls() {
        List<String> out = new ArrayList<>();
        for (String host : Scenario.HOSTS) {
            out.add(Scenario.http(host));
            out.add(Scenario.https(host));
        }
        return out;
    }

    /** The tutorial's outcome for the pod and URL. */
    Outcome expected(DemoWorkload from, String url) {
        if (!url.startsWith(scheme + "://")) {
            return Outcome.BLOCKED;
        }
        return step.checks().stream().filter(c -> c.from().equals(from) && c.url().equals(url)).map(Check::expected)
                .findFirst().orElseThrow(() -> new LabException("step " + step.id() + " has no row for " + from + " " + url));
    }
}
