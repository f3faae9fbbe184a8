package dev.tollgate.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.CheckResult;
import dev.tollgate.core.model.Consideration;
import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.model.ProxyRef;
import dev.tollgate.core.model.Stage;
import dev.tollgate.core.model.Verdict;
import dev.tollgate.core.snapshot.Explanation;
import dev.tollgate.core.snapshot.Hop;
import dev.tollgate.core.snapshot.Upstream;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Prints a {@link CheckResult} or an {@link Explanation} as text for people or JSON for machines. */
final class DecisionReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private DecisionReport() {
    }

    static String headline(CheckResult r) {
        return switch (r.outcome()) {
            case ALLOWED -> "ALLOWED";
            case BLOCKED -> "BLOCKED by the sidecar (HTTP 502 / tunnel refused)";
            case DENIED -> "DENIED by the egress gateway (HTTP 403 \"RBAC: access denied\" / tunnel closed)";
            case NO_ROUTE -> atSidecar(r) ? "NO ROUTE at the sidecar (HTTP 502 / tunnel refused)"
                    : "NO ROUTE at the egress gateway (HTTP 404 / tunnel closed)";
        };
    }

    /** The hop that decided is the last one. */
    private static boolean atSidecar(CheckResult r) {
        return !r.hops().isEmpty() && r.hops().get(r.hops().size() - 1).proxy().kind() == ProxyRef.Kind.SIDECAR;
    }

    static void printText(PrintWriter out, WorkloadRef from, TargetUrl url, CheckResult r) {
        out.println(headline(r) + ": " + from + " -> " + url.text());
        out.println("  reason: " + r.reason());
        if (r.outcome() == Verdict.DENIED) {
            out.println("  policy: " + r.policy().map(PolicyRef::toString).orElse("[none]"));
        }
        if (r.policy().isEmpty() && !r.policiesConsidered().isEmpty()) {
            out.println("  policies considered: "
                    + r.policiesConsidered().stream().map(PolicyRef::toString).collect(Collectors.joining(", ")));
        }
        r.upstream().ifPresent(u -> out.println("  upstream: " + upstream(u)));
        out.println("  hops:");
        int i = 1;
        for (Hop h : r.hops()) {
            out.printf("    %d. %-4s %s, %s%n", i++, h.outcome(), h.proxy(), h.stage());
            out.println("       " + h.detail());
            h.resource().ifPresent(res -> out.println("       " + res
                    + (h.origin().line() > 0 ? "  (" + h.origin() + ")" : "")));
        }
    }

    static void printExplanation(PrintWriter out, WorkloadRef from, TargetUrl url, Explanation e) {
        printText(out, from, url, e.result());
        out.println("  considered:");
        Stage stage = null;
        for (Consideration c : e.considerations()) {
            if (c.stage() != stage) {
                stage = c.stage();
                out.println("    [" + stage + "]");
            }
            out.println((c.deciding() ? "    * " : "      ") + (c.applied() ? "applied   " : c.reached() ? "not used  " : "not reached ")
                    + c.resource() + "  (" + c.origin() + ")");
            out.println("                " + c.why());
        }
        if (e.considerations().stream().anyMatch(Consideration::deciding)) {
            out.println("    (* the verdict rests on it: the reason above is worded from it)");
        }
        if (!e.meshSettings().isEmpty()) {
            out.println("  mesh settings:");
            e.meshSettings().forEach(l -> out.println("    " + l));
        }
    }

    private static String upstream(Upstream u) {
        String tls = switch (u.tls().mode()) {
            case DISABLE -> "";
            case SIMPLE -> " (TLS origination" + u.tls().sni().map(s -> ", SNI " + s).orElse("") + ")";
            case MUTUAL -> " (mutual TLS" + u.tls().sni().map(s -> ", SNI " + s).orElse("") + ")";
            case ISTIO_MUTUAL -> " (Istio mTLS" + u.tls().sni().map(s -> ", SNI " + s).orElse("") + ")";
        };
        // the endpoint the proxy connects to, when the configuration gives one (else it resolves the host)
        return u.host() + ":" + u.port() + (u.addresses().isEmpty() ? "" : " at " + u.addresses().get(0)) + tls;
    }

    static Map<String, Object> toJson(WorkloadRef from, TargetUrl url, CheckResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("allowed", r.allowed());
        m.put("outcome", r.outcome().text());
        m.put("from", from.toString());
        m.put("url", url.text());
        m.put("reason", r.reason());
        m.put("policy", r.policy().map(PolicyRef::toString).orElse(null));
        m.put("policiesConsidered", r.policiesConsidered().stream().map(PolicyRef::toString).toList());
        List<Map<String, Object>> hops = new ArrayList<>();
        for (Hop h : r.hops()) {
            Map<String, Object> hop = new LinkedHashMap<>();
            hop.put("proxy", h.proxy().toString());
            hop.put("stage", h.stage().text());
            hop.put("outcome", h.outcome().name());
            hop.put("detail", h.detail());
            hop.put("resource", h.resource().map(Object::toString).orElse(null));
            hop.put("origin", h.origin().line() > 0 ? h.origin().toString() : null);
            hops.add(hop);
        }
        m.put("hops", hops);
        m.put("upstream", r.upstream().map(u -> {
            Map<String, Object> um = new LinkedHashMap<>();
            um.put("host", u.host());
            um.put("port", u.port());
            um.put("tls", u.tls().mode().name());
            um.put("sni", u.tls().sni().orElse(null));
            // the endpoints the configuration gave (ServiceEntry endpoints, selected WorkloadEntries); empty: resolve host
            um.put("addresses", u.addresses());
            um.put("subjectAltNames", u.tls().subjectAltNames());
            return um;
        }).orElse(null));
        return m;
    }

    static Map<String, Object> toJson(WorkloadRef from, TargetUrl url, Explanation e) {
        Map<String, Object> m = toJson(from, url, e.result());
        List<Map<String, Object>> cs = new ArrayList<>();
        for (Consideration c : e.considerations()) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("stage", c.stage().text());
            cm.put("resource", c.resource().toString());
            cm.put("applied", c.applied());
            cm.put("deciding", c.deciding());
            cm.put("reached", c.reached());
            cm.put("why", c.why());
            cm.put("origin", c.origin().line() > 0 ? c.origin().toString() : null);
            cs.add(cm);
        }
        m.put("considered", cs);
        m.put("meshSettings", e.meshSettings());
        return m;
    }

    static void printJson(PrintWriter out, Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
