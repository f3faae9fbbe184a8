package dev.tollgate.core.authz;

import dev.tollgate.core.model.PolicyRef;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.PathNormalization;
import dev.tollgate.core.model.Resource;
import dev.tollgate.core.model.ResourceKey;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.Consideration;
import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Istio's AuthorizationPolicy semantics: policies compiled once into immutable matcher trees, indexed by
 * the workloads they can apply to; evaluated CUSTOM, then DENY, then ALLOW.
 *
 * <p>Index: policies by namespace; a workload looks at the root namespace's and its own, then keeps those whose
 * selector (or targetRefs) selects it. That per-workload set is computed once and cached (bounded), so
 * {@link #authorize} evaluates only the rules that apply, never all policies.
 *
 * <p>CUSTOM: Tollgate has no external authorization providers to delegate to. A CUSTOM policy loads with a warning
 * ({@link #diagnostics()}) and denies all traffic to the workloads it selects (fail closed), reported as its
 * {@code rule[0]}. (Istio itself, when a provider cannot be used, denies only what the policy's rules match; Tollgate
 * is stricter on purpose, since it cannot know what the provider would have allowed.) Dry-run CUSTOM policies are
 * evaluated by their rules and never enforced.
 */
public final class Authorizer {
    private static final int CACHE_LIMIT = 10_000;

    private final String rootNamespace;
    private final PathNormalization pathNormalization;
    private final List<CompiledPolicy> all;
    private final Map<String, List<CompiledPolicy>> byNamespace;
    private final Map<WorkloadRef, Applicable> cache = new ConcurrentHashMap<>();
    private final List<Diagnostic> diagnostics;
    private final Map<ResourceKey, CompiledPolicy> byKey;

    private Authorizer(String rootNamespace, PathNormalization pathNormalization, List<CompiledPolicy> all) {
        this.rootNamespace = rootNamespace;
        this.pathNormalization = pathNormalization;
        this.all = List.copyOf(all);
        Map<String, List<CompiledPolicy>> index = new HashMap<>();
        for (CompiledPolicy p : all) {
            index.computeIfAbsent(p.namespace(), k -> new ArrayList<>()).add(p);
        }
        Map<String, List<CompiledPolicy>> frozen = new HashMap<>();
        index.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
        this.byNamespace = Map.copyOf(frozen);
        Map<ResourceKey, CompiledPolicy> keys = new HashMap<>();
        for (CompiledPolicy p : all) {
            keys.putIfAbsent(p.resource().key(), p);
        }
        this.byKey = Map.copyOf(keys);
        this.diagnostics = List.copyOf(diagnose(all));
        if (!diagnostics.isEmpty()) {
            // looked up only when there is something to say: a check with nothing to log never starts logging
            Logger log = LoggerFactory.getLogger(Authorizer.class);
            for (Diagnostic d : diagnostics) {
                log.warn("{}", d.format());
            }
        }
    }

    /**
     * Compiles every AuthorizationPolicy of {@code config}. Mesh settings give the root namespace, the trust domain
     * and its aliases (principals naming any of them match peers of all) and the path normalization.
     */
    public static Authorizer compile(ConfigSet config) {
        List<CompiledPolicy> compiled = new ArrayList<>();
        TrustDomains trustDomains = TrustDomains.of(config.mesh().trustDomain(), config.mesh().trustDomainAliases());
        for (Resource<AuthorizationPolicy> r : config.authorizationPolicies()) {
            compiled.add(CompiledPolicy.compile(r, trustDomains));
        }
        return new Authorizer(config.mesh().rootNamespace(), config.mesh().pathNormalization(), compiled);
    }

    /** Evaluates the policies that apply to {@code target} (root namespace, its namespace, selector/targetRefs). */
    public AuthzDecision authorize(WorkloadRef target, AuthzRequest request) {
        return authorizeNormalized(target, PathNormalizer.apply(request, pathNormalization));
    }

    /**
     * {@code rawPath} (with its query) as {@link #authorize} matches it: normalized per
     * {@code meshConfig.pathNormalization}. The egress gateway forwards this, so that the upstream receives the path
     * that was authorized (one implementation of the rule: {@link PathNormalizer}).
     */
    public String normalizedPath(String rawPath) {
        return PathNormalizer.normalize(rawPath, pathNormalization);
    }

    /** {@link #authorize} on a request whose path is normalized already: normalizing twice could decode twice. */
    AuthzDecision authorizeNormalized(WorkloadRef target, AuthzRequest request) {
        Applicable a = applicable(target);
        boolean tcp = request.isTcp();
        AuthzDecision d = decide(a, request, tcp);
        if (a.dryRun.length == 0) {
            return d;
        }
        List<PolicyRef> dry = dryRunMatches(a, request, tcp);
        return dry.isEmpty() ? d : new AuthzDecision(d.allowed(), d.policyId(), d.reason(), d.policiesConsidered(),
                dry);
    }

    /**
     * {@link #decideLinear} through the per-workload SNI index: only the rules that can match the connection's SNI
     * are evaluated, in the same order, so the deciding rule is the same.
     */
    private static AuthzDecision decide(Applicable a, AuthzRequest request, boolean tcp) {
        for (Applicable.Entry e : a.custom) {
            if (e.matches(request, tcp)) {
                return e.decision();
            }
        }
        Applicable.Entry deny = (tcp ? a.denyTcp : a.denyHttp).first(request);
        if (deny != null) {
            return deny.decision();
        }
        if (!a.enforcesAllow) {
            return a.noAllowPolicy;
        }
        Applicable.Entry allow = (tcp ? a.allowTcp : a.allowHttp).first(request);
        return allow != null ? allow.decision() : a.noAllowMatched;
    }

    /** The test oracle for {@link #authorize}: the same decision, evaluating every applicable rule in order. */
    AuthzDecision authorizeLinear(WorkloadRef target, AuthzRequest request) {
        AuthzRequest normalized = PathNormalizer.apply(request, pathNormalization);
        Applicable a = applicable(target);
        boolean tcp = normalized.isTcp();
        AuthzDecision d = decideLinear(a, normalized, tcp);
        List<PolicyRef> dry = dryRunMatches(a, normalized, tcp);
        return dry.isEmpty() ? d : new AuthzDecision(d.allowed(), d.policyId(), d.reason(), d.policiesConsidered(),
                dry);
    }

    static AuthzDecision decideLinear(Applicable a, AuthzRequest request, boolean tcp) {
        for (Applicable.Entry e : a.custom) {
            if (e.matches(request, tcp)) {
                return e.decision();
            }
        }
        for (Applicable.Entry e : a.deny) {
            if (e.matches(request, tcp)) {
                return e.decision();
            }
        }
        if (!a.enforcesAllow) {
            return a.noAllowPolicy;
        }
        for (Applicable.Entry e : a.allow) {
            if (e.matches(request, tcp)) {
                return e.decision();
            }
        }
        return a.noAllowMatched;
    }

    /** Envoy's shadow rules: per action, the first dry-run rule (in Envoy's order) that matches. */
    private static List<PolicyRef> dryRunMatches(Applicable a, AuthzRequest request, boolean tcp) {
        List<PolicyRef> out = new ArrayList<>(2);
        Action decided = null;
        for (Applicable.Entry e : a.dryRun) {
            Action action = e.policy().action();
            if (action != decided && e.matches(request, tcp)) {
                out.add(e.rule().id());
                decided = action;
            }
        }
        return out;
    }

    /** Every policy looked at for {@code target}: whether it applied, and which rule or leaf matched or failed. */
    public List<Consideration> explain(WorkloadRef target, AuthzRequest request) {
        return Explainer.explain(this, target, PathNormalizer.apply(request, pathNormalization));
    }

    /** How one policy, wherever it sits, relates to {@code target} and {@code request}; empty if unknown. */
    public Optional<Consideration> explainPolicy(ResourceKey policy, WorkloadRef target, AuthzRequest request) {
        return explain(target, request).stream().filter(c -> c.resource().equals(policy)).findFirst();
    }

    /** Warnings from compiling: CUSTOM policies (unsupported), rules skipped or narrowed by invalid values. */
    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    /**
     * For analysis: empty when {@code policy} applies to {@code target} (namespace, selector, targetRefs);
     * otherwise why not, in the words explain uses.
     */
    public Optional<String> whyNotApplied(ResourceKey policy, WorkloadRef target) {
        CompiledPolicy p = byKey.get(policy);
        return p == null ? Optional.of("no such AuthorizationPolicy " + policy)
                : Selection.whyNot(p, target, rootNamespace);
    }

    /**
     * For analysis: why rule {@code rule} of an ALLOW {@code policy} can never match TCP traffic because it uses
     * HTTP-only fields (Istio skips such a rule on TCP filter chains); empty when it can match TCP.
     */
    public Optional<String> neverMatchesTcp(ResourceKey policy, int rule) {
        CompiledPolicy p = byKey.get(policy);
        if (p == null || rule < 0 || rule >= p.rules().size()) {
            return Optional.empty();
        }
        CompiledRule r = p.rules().get(rule);
        return r.http().tree().isPresent() ? r.tcp().skipped() : Optional.empty();
    }

    /** For analysis: the HTTP-only constraints a DENY/AUDIT/CUSTOM rule loses on TCP traffic (so it matches more). */
    public List<String> droppedOnTcp(ResourceKey policy, int rule) {
        CompiledPolicy p = byKey.get(policy);
        if (p == null || rule < 0 || rule >= p.rules().size()) {
            return List.of();
        }
        CompiledRule r = p.rules().get(rule);
        return r.tcp().notes().stream().filter(n -> !r.http().notes().contains(n)).toList();
    }

    /** The root namespace whose policies apply mesh-wide. */
    public String rootNamespace() {
        return rootNamespace;
    }

    /** For analysis: every policy as compiled, in configuration order, read-only. */
    public List<PolicyView> policyViews() {
        return all.stream().map(PolicyView::new).toList();
    }

    List<CompiledPolicy> policies() {
        return all;
    }

    Applicable applicable(WorkloadRef target) {
        Applicable a = cache.get(target);
        if (a != null) {
            return a;
        }
        List<CompiledPolicy> candidates = new ArrayList<>(byNamespace.getOrDefault(rootNamespace, List.of()));
        if (!target.namespace().equals(rootNamespace)) {
            candidates.addAll(byNamespace.getOrDefault(target.namespace(), List.of()));
        }
        a = Applicable.of(candidates, target, rootNamespace);
        if (cache.size() < CACHE_LIMIT) {
            cache.putIfAbsent(target, a);
        }
        return a;
    }

    private static List<Diagnostic> diagnose(List<CompiledPolicy> policies) {
        List<Diagnostic> out = new ArrayList<>();
        for (CompiledPolicy p : policies) {
            ResourceKey key = p.resource().key();
            if (p.action() == Action.CUSTOM) {
                out.add(new Diagnostic(Diagnostic.Severity.WARNING, "authz-custom-unsupported",
                        "CUSTOM action is not supported (Tollgate has no external authorization providers): "
                                + "all traffic to the workloads it selects is denied (fail closed)",
                        p.resource().originOf("spec.action"),
                        Optional.of(key), "spec.action"));
            }
            p.dryRunNote().ifPresent(n -> out.add(new Diagnostic(Diagnostic.Severity.WARNING, "authz-dry-run-invalid",
                    n, p.resource().originOf("metadata.annotations"), Optional.of(key), "metadata.annotations")));
            for (CompiledRule r : p.rules()) {
                String path = "spec.rules[" + r.index() + "]";
                r.http().skipped().ifPresent(s -> out.add(new Diagnostic(Diagnostic.Severity.WARNING,
                        "authz-rule-skipped", s, p.resource().originOf(path), Optional.of(key), path)));
                for (String note : r.http().notes()) {
                    out.add(new Diagnostic(Diagnostic.Severity.WARNING, "authz-constraint-dropped", note,
                            p.resource().originOf(path), Optional.of(key), path));
                }
            }
        }
        return out;
    }
}
