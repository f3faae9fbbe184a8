package dev.tollgate.core.authz;

import dev.tollgate.core.model.Origin;
import dev.tollgate.core.model.ResourceKey;

import java.util.ArrayList;
import java.util.List;

/**
 * A compiled AuthorizationPolicy as analysis reads it, so that analysis never re-reads the raw spec: its key, its
 * action as compiled (absent means ALLOW), where each field came from, and its rules.
 */
public final class PolicyView {
    private final CompiledPolicy policy;
    private final List<Rule> rules;

    PolicyView(CompiledPolicy policy) {
        this.policy = policy;
        this.rules = policy.rules().stream().map(Rule::of).toList();
    }

    public ResourceKey key() {
        return policy.resource().key();
    }

    public Action action() {
        return policy.action();
    }

    /** Where {@code fieldPath} (such as {@code spec.rules[0]}) came from, falling back to the policy itself. */
    public Origin originOf(String fieldPath) {
        return policy.resource().originOf(fieldPath);
    }

    /** Every rule, in order, as compiled (a null rule too, with no constraints). */
    public List<Rule> rules() {
        return rules;
    }

    /**
     * One rule's destination constraints as compiled for HTTP (TCP drops HTTP-only fields such as hosts): the
     * {@code to[].operation.ports} and {@code when destination.port} values, and the {@code to[].operation.hosts}
     * and {@code when connection.sni} values, each as written. Values that failed to compile are absent, as they
     * are from the rule that is enforced.
     *
     * @param path the rule's field path, {@code spec.rules[i]}
     */
    public record Rule(int index, String path, List<String> ports, List<String> hosts) {
        public Rule {
            ports = List.copyOf(ports);
            hosts = List.copyOf(hosts);
        }

        static Rule of(CompiledRule r) {
            List<String> ports = new ArrayList<>();
            List<String> hosts = new ArrayList<>();
            r.http().tree().ifPresent(t -> collect(t, ports, hosts));
            return new Rule(r.index(), "spec.rules[" + r.index() + "]", ports, hosts);
        }

        /** The positive fields of the tree: a {@code not*} field's body is a {@link Matcher.Not}. */
        private static void collect(Matcher m, List<String> ports, List<String> hosts) {
            switch (m) {
                case Matcher.Field f when f.attr() != null && !(f.body() instanceof Matcher.Not) -> {
                    switch (f.attr()) {
                        case DESTINATION_PORT -> ports.addAll(f.values());
                        case HOST, SNI -> hosts.addAll(f.values());
                        default -> {
                        }
                    }
                }
                case Matcher.Field f -> collect(f.body(), ports, hosts);
                case Matcher.And a -> a.all().forEach(x -> collect(x, ports, hosts));
                case Matcher.Or o -> o.any().forEach(x -> collect(x, ports, hosts));
                default -> {
                }
            }
        }
    }
}
