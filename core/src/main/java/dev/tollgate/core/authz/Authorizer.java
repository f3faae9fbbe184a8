package dev.tollgate.core.authz;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.Consideration;

import java.util.List;

/**
 * Istio's AuthorizationPolicy semantics: policies compiled once into immutable matcher trees, indexed by
 * the workloads they can apply to; evaluated CUSTOM, then DENY, then ALLOW.
 */
public final class Authorizer {

    private Authorizer() {
    }

    /** Compiles every AuthorizationPolicy of {@code config} (mesh settings give the root namespace). */
    public static Authorizer compile(ConfigSet config) {
        throw new UnsupportedOperationException("under construction");
    }

    /** Evaluates the policies that apply to {@code target} (root namespace, its namespace, selector/targetRefs). */
    public AuthzDecision authorize(WorkloadRef target, AuthzRequest request) {
        throw new UnsupportedOperationException("under construction");
    }

    /** Every policy looked at for {@code target}: whether it applied, and which rule or leaf matched or failed. */
    public List<Consideration> explain(WorkloadRef target, AuthzRequest request) {
        throw new UnsupportedOperationException("under construction");
    }
}
