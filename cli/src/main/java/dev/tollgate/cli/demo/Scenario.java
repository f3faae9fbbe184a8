package dev.tollgate.cli.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.tollgate.cli.demo.DemoWorkload.DEFAULT_SLEEP;
import static dev.tollgate.cli.demo.DemoWorkload.OTHERNS_SLEEP;
import static dev.tollgate.cli.demo.DemoWorkload.SLEEP_GOOGLE;
import static dev.tollgate.cli.demo.DemoWorkload.SLEEP_YAHOO;
import static dev.tollgate.cli.demo.Outcome.BLOCKED;
import static dev.tollgate.cli.demo.Outcome.FORBIDDEN;
import static dev.tollgate.cli.demo.Outcome.OK;

/**
 * The Istio egress tutorial as data: parts A and B of docs/tutorial.md, step by step. The fixtures named here are
 * the files of examples/tutorial (and examples/mesh), embedded as {@code /demo/}; a test checks this table against
 * docs/tutorial.md's tables.
 */
public final class Scenario {

    public static final String GOOGLE = "developers.google.com";
    public static final String YAHOO = "developer.yahoo.com";
    public static final List<String> HOSTS = List.of(GOOGLE, YAHOO);
    /** The namespaces that steps apply configuration in; each gets one watched file. */
    public static final List<String> NAMESPACES = List.of("default", "otherns", "istio-system");
    public static final List<DemoWorkload> WORKLOADS = List.of(DEFAULT_SLEEP, OTHERNS_SLEEP, SLEEP_GOOGLE, SLEEP_YAHOO);

    static final String ALLOW_ANY = "mesh/allow-any.yaml";
    static final String REGISTRY_ONLY = "mesh/registry-only.yaml";

    private Scenario() {
    }

    public static String https(String host) {
        return "https://" + host + "/";
    }

    public static String http(String host) {
        return "http://" + host + "/";
    }

    /** Every step of parts A and B, in order. */
    public static List<Step> tutorial() {
        List<Step> steps = new ArrayList<>();

        // Part A: the sidecar's registry. All with https:// (CONNECT, then TLS to the host).
        steps.add(partA("A1", "mesh ALLOW_ANY, no ServiceEntry: sidecars pass any host",
                ALLOW_ANY, config(), OK, OK, OK, OK));
        steps.add(partA("A2", "mesh REGISTRY_ONLY: sidecars refuse hosts no ServiceEntry declares",
                REGISTRY_ONLY, config(), BLOCKED, BLOCKED, BLOCKED, BLOCKED));
        steps.add(partA("A3", "+ google ServiceEntry (exportTo: [\".\"]) applied in default",
                REGISTRY_ONLY, config("default", "serviceentry-google.yaml"), OK, BLOCKED, BLOCKED, BLOCKED));
        steps.add(partA("A4", "+ the same applied in otherns",
                REGISTRY_ONLY, config("default", "serviceentry-google.yaml", "otherns", "serviceentry-google.yaml"),
                OK, BLOCKED, OK, BLOCKED));
        steps.add(partA("A5", "+ yahoo ServiceEntry applied in default",
                REGISTRY_ONLY, config("default", "serviceentry-google.yaml", "default", "serviceentry-yahoo.yaml",
                        "otherns", "serviceentry-google.yaml"),
                OK, OK, OK, BLOCKED));
        steps.add(partA("A6", "+ the same applied in otherns",
                REGISTRY_ONLY, config("default", "serviceentry-google.yaml", "default", "serviceentry-yahoo.yaml",
                        "otherns", "serviceentry-google.yaml", "otherns", "serviceentry-yahoo.yaml"),
                OK, OK, OK, OK));

        // Part B: through the egress gateway, with authorization.
        List<Check> b0 = new ArrayList<>();
        for (String url : List.of(https(GOOGLE), https(YAHOO), http(GOOGLE), http(YAHOO))) {
            b0.add(new Check(DEFAULT_SLEEP, url, BLOCKED));
            b0.add(new Check(OTHERNS_SLEEP, url, BLOCKED));
        }
        steps.add(new Step("B0", "remove the namespace ServiceEntries; REGISTRY_ONLY stays: all blocked",
                REGISTRY_ONLY, config(), sortByWorkload(b0)));

        Map<String, List<String>> http = config("istio-system", "external-google.yaml", "istio-system", "external-yahoo.yaml");
        steps.add(partB("B1", "HTTP variant: external-google.yaml and external-yahoo.yaml in istio-system, no policy; "
                        + "the sidecar sends http:// inside mTLS to the gateway, which originates TLS to the host",
                http, OK, OK, OK, OK));
        steps.add(partB("B2", "+ allow-nothing (spec: {}) in istio-system; the tutorial's allow-google lands in default "
                        + "and never applies to the gateway",
                with(http, "istio-system", "authz-allow-nothing.yaml", "default", "authz-allow-google.yaml"),
                FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN));
        steps.add(partB("B3", "deny-google (from otherns, connection.sni google) and deny-yahoo (from default, sni yahoo) "
                        + "in istio-system, instead of allow-nothing",
                with(http, "istio-system", "authz-deny-google.yaml", "istio-system", "authz-deny-yahoo.yaml"),
                OK, FORBIDDEN, FORBIDDEN, OK));

        Map<String, List<String>> b4 = with(http,
                "istio-system", "authz-deny-google-custom.yaml", "istio-system", "authz-deny-yahoo-custom.yaml");
        steps.add(new Step("B4", "per workload, by principal (*-custom.yaml DENY policies on principals), HTTP variant",
                REGISTRY_ONLY, b4, List.of(
                new Check(SLEEP_GOOGLE, http(GOOGLE), OK), new Check(SLEEP_GOOGLE, http(YAHOO), FORBIDDEN),
                new Check(SLEEP_YAHOO, http(GOOGLE), FORBIDDEN), new Check(SLEEP_YAHOO, http(YAHOO), OK),
                new Check(OTHERNS_SLEEP, http(GOOGLE), OK), new Check(OTHERNS_SLEEP, http(YAHOO), OK))));

        Map<String, List<String>> b5 = config(
                "istio-system", "external-google-https.yaml", "istio-system", "external-yahoo-https.yaml",
                "istio-system", "authz-deny-google-custom.yaml", "istio-system", "authz-deny-yahoo-custom.yaml");
        steps.add(new Step("B5", "HTTPS variant (external-*-https.yaml: TLS passthrough at the gateway), the same principal "
                + "policies, https:// requests", REGISTRY_ONLY, b5, List.of(
                new Check(DEFAULT_SLEEP, https(GOOGLE), OK), new Check(DEFAULT_SLEEP, https(YAHOO), OK),
                new Check(OTHERNS_SLEEP, https(GOOGLE), OK), new Check(OTHERNS_SLEEP, https(YAHOO), OK),
                new Check(SLEEP_GOOGLE, https(GOOGLE), OK), new Check(SLEEP_GOOGLE, https(YAHOO), FORBIDDEN),
                new Check(SLEEP_YAHOO, https(GOOGLE), FORBIDDEN), new Check(SLEEP_YAHOO, https(YAHOO), OK))));
        return List.copyOf(steps);
    }

    /** The folder of the Gateway API variant's fixtures (examples/tutorial-gateway-api). */
    static final String GATEWAY_API = "gateway-api/";

    /**
     * The deployments Istio makes for the Gateway API variant's Gateways (one per external host, as Istio's egress
     * tasks write them): Service host to workload, whose service account and labels follow Istio's deployment
     * controller (NAME-istio, {@code gateway.networking.k8s.io/gateway-name: NAME}).
     */
    public static final Map<String, dev.tollgate.core.model.WorkloadRef> GATEWAY_API_GATEWAYS = Map.of(
            "google-egress-gateway-istio.istio-system.svc.cluster.local", gatewayApiWorkload("google-egress-gateway"),
            "yahoo-egress-gateway-istio.istio-system.svc.cluster.local", gatewayApiWorkload("yahoo-egress-gateway"));

    private static dev.tollgate.core.model.WorkloadRef gatewayApiWorkload(String gateway) {
        return new dev.tollgate.core.model.WorkloadRef("istio-system", gateway + "-istio",
                Map.of("gateway.networking.k8s.io/gateway-name", gateway));
    }

    /**
     * Part B again, with the routing written with the Gateway API (a Gateway per host, HTTPRoutes or TLSRoutes whose
     * parentRefs name the ServiceEntry and the Gateway): the same policies, the same outcomes as B1-B5.
     */
    public static List<Step> gatewayApi() {
        List<Step> steps = new ArrayList<>();
        Map<String, List<String>> http = config("istio-system", GATEWAY_API + "external-google.yaml",
                "istio-system", GATEWAY_API + "external-yahoo.yaml");
        steps.add(partB("GB1", "Gateway API, HTTP variant: HTTPRoutes from the ServiceEntries to each host's Gateway "
                + "and on to the host, no policy", http, OK, OK, OK, OK));
        steps.add(partB("GB2", "+ allow-nothing in istio-system: it applies to the Gateways' deployments too",
                with(http, "istio-system", "authz-allow-nothing.yaml"), FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN));
        steps.add(partB("GB3", "deny-google (from otherns) and deny-yahoo (from default) in istio-system",
                with(http, "istio-system", "authz-deny-google.yaml", "istio-system", "authz-deny-yahoo.yaml"),
                OK, FORBIDDEN, FORBIDDEN, OK));
        Map<String, List<String>> b5 = config(
                "istio-system", GATEWAY_API + "external-google-https.yaml",
                "istio-system", GATEWAY_API + "external-yahoo-https.yaml",
                "istio-system", "authz-deny-google-custom.yaml", "istio-system", "authz-deny-yahoo-custom.yaml");
        steps.add(new Step("GB5", "Gateway API, HTTPS variant: TLSRoutes to each host's Gateway, TCPRoutes on to the host, "
                + "the per-principal policies", REGISTRY_ONLY, b5, List.of(
                new Check(DEFAULT_SLEEP, https(GOOGLE), OK), new Check(DEFAULT_SLEEP, https(YAHOO), OK),
                new Check(SLEEP_GOOGLE, https(GOOGLE), OK), new Check(SLEEP_GOOGLE, https(YAHOO), FORBIDDEN),
                new Check(SLEEP_YAHOO, https(GOOGLE), FORBIDDEN), new Check(SLEEP_YAHOO, https(YAHOO), OK))));
        return List.copyOf(steps);
    }

    /** Every fixture any step uses. */
    public static List<String> fixtures() {
        return java.util.stream.Stream.concat(tutorial().stream(), gatewayApi().stream())
                .flatMap(s -> java.util.stream.Stream.concat(java.util.stream.Stream.of(s.mesh()),
                        s.config().values().stream().flatMap(List::stream)))
                .distinct().sorted().toList();
    }

    /** Columns as in the tutorial's tables: default→google, default→yahoo, otherns→google, otherns→yahoo. */
    private static Step partA(String id, String title, String mesh, Map<String, List<String>> config,
                              Outcome dg, Outcome dy, Outcome og, Outcome oy) {
        return new Step(id, title, mesh, config, List.of(
                new Check(DEFAULT_SLEEP, https(GOOGLE), dg), new Check(DEFAULT_SLEEP, https(YAHOO), dy),
                new Check(OTHERNS_SLEEP, https(GOOGLE), og), new Check(OTHERNS_SLEEP, https(YAHOO), oy)));
    }

    private static Step partB(String id, String title, Map<String, List<String>> config,
                              Outcome dg, Outcome dy, Outcome og, Outcome oy) {
        return new Step(id, title, REGISTRY_ONLY, config, List.of(
                new Check(DEFAULT_SLEEP, http(GOOGLE), dg), new Check(DEFAULT_SLEEP, http(YAHOO), dy),
                new Check(OTHERNS_SLEEP, http(GOOGLE), og), new Check(OTHERNS_SLEEP, http(YAHOO), oy)));
    }

    private static List<Check> sortByWorkload(List<Check> checks) {
        return checks.stream().sorted(java.util.Comparator.comparing((Check c) -> WORKLOADS.indexOf(c.from()))).toList();
    }

    /** {@code config("default", "a.yaml", "otherns", "b.yaml")}: pairs of namespace and fixture. */
    private static Map<String, List<String>> config(String... pairs) {
        return with(Map.of(), pairs);
    }

    private static Map<String, List<String>> with(Map<String, List<String>> base, String... pairs) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        base.forEach((k, v) -> out.put(k, new ArrayList<>(v)));
        for (int i = 0; i < pairs.length; i += 2) {
            if (!NAMESPACES.contains(pairs[i])) {
                throw new IllegalArgumentException("no namespace slot " + pairs[i]);
            }
            out.computeIfAbsent(pairs[i], k -> new ArrayList<>()).add(pairs[i + 1]);
        }
        return out;
    }
}
