package dev.tollgate.control.watch;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * What RBAC grants one service account in a set of rendered manifests, decided as Kubernetes' RBAC authorizer does
 * (rbac/validation.go's RuleAllows): a ClusterRoleBinding's rules hold everywhere, a RoleBinding's only in its
 * namespace; a rule holds when its verbs, API groups and resources (or "*") contain the request's, and, when it has
 * resourceNames, they contain the request's name.
 */
final class RbacRules {

    /** One rule as bound: {@code namespace} empty for a ClusterRoleBinding. */
    record Grant(String binding, String namespace, PolicyRule rule) {
        boolean allows(ApiRequest r) {
            if (!r.isResource()) {
                return false; // nonResourceURLs: the control plane's roles hold none
            }
            if (!namespace.isEmpty() && !namespace.equals(r.namespace())) {
                return false;
            }
            return has(rule.getVerbs(), r.verb()) && has(rule.getApiGroups(), r.group())
                    && has(rule.getResources(), r.rbacResource())
                    && (empty(rule.getResourceNames()) || rule.getResourceNames().contains(r.name()));
        }

        /** The single permissions this rule grants: one per verb, group and resource. */
        List<Permission> permissions() {
            List<Permission> out = new ArrayList<>();
            for (String verb : rule.getVerbs()) {
                for (String group : rule.getApiGroups()) {
                    for (String resource : rule.getResources()) {
                        out.add(new Permission(this, verb, group, resource));
                    }
                }
            }
            return out;
        }
    }

    /** One verb on one resource of one group, under one grant (with its namespace and resourceNames). */
    record Permission(Grant grant, String verb, String group, String resource) {
        boolean usedBy(ApiRequest r) {
            return grant.allows(r) && verb.equals(r.verb()) && group.equals(r.group())
                    && resource.equals(r.rbacResource());
        }

        @Override
        public String toString() {
            PolicyRule rule = grant.rule();
            return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource
                    + (empty(rule.getResourceNames()) ? "" : " names=" + rule.getResourceNames())
                    + (grant.namespace().isEmpty() ? " (cluster-wide)" : " in " + grant.namespace())
                    + " from " + grant.binding();
        }
    }

    private final List<Grant> grants;

    private RbacRules(List<Grant> grants) {
        this.grants = List.copyOf(grants);
    }

    /** The grants bound to ServiceAccount {@code namespace/name} among {@code objects}. */
    static RbacRules forServiceAccount(Collection<HasMetadata> objects, String namespace, String name) {
        List<Grant> grants = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof ClusterRoleBinding b && bindsTo(b.getSubjects(), namespace, name)) {
                grants.addAll(grants(objects, b.getRoleRef(), "", "ClusterRoleBinding " + b.getMetadata().getName()));
            } else if (o instanceof RoleBinding b && bindsTo(b.getSubjects(), namespace, name)) {
                grants.addAll(grants(objects, b.getRoleRef(), b.getMetadata().getNamespace(),
                        "RoleBinding " + b.getMetadata().getNamespace() + "/" + b.getMetadata().getName()));
            }
        }
        return new RbacRules(grants);
    }

    private static boolean bindsTo(List<Subject> subjects, String namespace, String name) {
        return subjects != null && subjects.stream().anyMatch(s -> "ServiceAccount".equals(s.getKind())
                && name.equals(s.getName()) && namespace.equals(s.getNamespace()));
    }

    private static List<Grant> grants(Collection<HasMetadata> objects, RoleRef ref, String namespace, String binding) {
        List<PolicyRule> rules = null;
        for (HasMetadata o : objects) {
            if (ref.getKind().equals("ClusterRole") && o instanceof ClusterRole r
                    && r.getMetadata().getName().equals(ref.getName())) {
                rules = r.getRules();
            } else if (ref.getKind().equals("Role") && o instanceof Role r && r.getMetadata().getName().equals(ref.getName())
                    && Objects.equals(r.getMetadata().getNamespace(), namespace)) {
                rules = r.getRules();
            }
        }
        if (rules == null) {
            throw new AssertionError(binding + " refers to " + ref.getKind() + " " + ref.getName()
                    + ", which the manifests do not hold");
        }
        return rules.stream().map(r -> new Grant(binding, namespace, r)).toList();
    }

    boolean allows(ApiRequest r) {
        return grants.stream().anyMatch(g -> g.allows(r));
    }

    List<Permission> permissions() {
        return grants.stream().flatMap(g -> g.permissions().stream()).toList();
    }

    private static boolean has(List<String> values, String value) {
        return values != null && (values.contains("*") || values.contains(value));
    }

    private static boolean empty(List<String> values) {
        return values == null || values.isEmpty();
    }
}
