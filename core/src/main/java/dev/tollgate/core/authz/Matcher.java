package dev.tollgate.core.authz;

import dev.tollgate.core.model.net.IpPrefix;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A compiled rule: an immutable tree of and/or/not/any nodes over leaf matchers, evaluated against one
 * {@link AuthzRequest}. {@link Field} nodes carry the policy field path and values so that explain can walk the
 * very tree that authorize evaluates and name the leaf that failed.
 */
sealed interface Matcher {

    boolean matches(AuthzRequest r);

    Matcher ANY = new Any();
    /** Istio's {@code rbacPolicyMatchNever}: what a policy without rules compiles to. */
    Matcher NEVER = new Not(ANY);

    record Any() implements Matcher {
        @Override
        public boolean matches(AuthzRequest r) {
            return true;
        }
    }

    record And(List<Matcher> all) implements Matcher {
        public And {
            all = List.copyOf(all);
        }

        @Override
        public boolean matches(AuthzRequest r) {
            for (int i = 0; i < all.size(); i++) {
                if (!all.get(i).matches(r)) {
                    return false;
                }
            }
            return true;
        }
    }

    record Or(List<Matcher> any) implements Matcher {
        public Or {
            any = List.copyOf(any);
        }

        @Override
        public boolean matches(AuthzRequest r) {
            for (int i = 0; i < any.size(); i++) {
                if (any.get(i).matches(r)) {
                    return true;
                }
            }
            return false;
        }
    }

    record Not(Matcher inner) implements Matcher {
        @Override
        public boolean matches(AuthzRequest r) {
            return !inner.matches(r);
        }
    }

    /**
     * One policy field (or a from/to entry, when {@code values} is empty and {@code attr} null): {@code path} such as
     * {@code to[0].operation.methods}, its values as written, and the attribute it reads.
     */
    record Field(String path, List<String> values, Attr attr, String headerName, Matcher body) implements Matcher {
        public Field {
            values = List.copyOf(values);
        }

        @Override
        public boolean matches(AuthzRequest r) {
            return body.matches(r);
        }
    }

    /** A string attribute against one value. */
    record Str(Attr attr, String headerName, StringMatch match) implements Matcher {
        @Override
        public boolean matches(AuthzRequest r) {
            return match.matches(attr.read(r, headerName));
        }
    }

    /**
     * {@code source.namespace} without wildcard: Istio's regex {@code .*}{@code /ns/<ns>/.*} on the peer's URI SAN
     * {@code spiffe://<principal>}, i.e. the URI contains {@code /ns/<ns>/}.
     */
    record NamespaceIs(String namespace, String needle, String prefix) implements Matcher {
        NamespaceIs(String namespace) {
            this(namespace, "/ns/" + namespace + "/", "ns/" + namespace + "/");
        }

        @Override
        public boolean matches(AuthzRequest r) {
            String p = r.sourcePrincipal().orElse(null);
            if (p == null) {
                return false;
            }
            // "spiffe://" + p contains "/ns/x/" exactly when p starts with "ns/x/" or contains it.
            return p.startsWith(prefix) || p.contains(needle);
        }
    }

    /** A regex (RE2 full match in Envoy) on the peer's URI SAN {@code spiffe://<principal>}; fails for plaintext. */
    record UriRegex(Pattern pattern) implements Matcher {
        @Override
        public boolean matches(AuthzRequest r) {
            String p = r.sourcePrincipal().orElse(null);
            return p != null && pattern.matcher("spiffe://" + p).matches();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof UriRegex u && u.pattern.pattern().equals(pattern.pattern());
        }

        @Override
        public int hashCode() {
            return pattern.pattern().hashCode();
        }
    }

    /** A regex full match on a string attribute (path templates). */
    record Regex(Attr attr, Pattern pattern) implements Matcher {
        @Override
        public boolean matches(AuthzRequest r) {
            String v = attr.read(r, null);
            return v != null && pattern.matcher(v).matches();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Regex x && x.attr == attr && x.pattern.pattern().equals(pattern.pattern());
        }

        @Override
        public int hashCode() {
            return pattern.pattern().hashCode();
        }
    }

    record Port(int port) implements Matcher {
        @Override
        public boolean matches(AuthzRequest r) {
            return r.destinationPort() == port;
        }
    }

    record Ip(Attr attr, IpPrefix cidr) implements Matcher {
        @Override
        public boolean matches(AuthzRequest r) {
            return cidr.contains(attr.read(r, null));
        }
    }

    /**
     * Metadata that Tollgate never has: JWT claims (no RequestAuthentication) and Envoy filter metadata. Envoy's
     * metadata matcher is false when the metadata is missing, so {@code values} never match and {@code notValues}
     * always do.
     */
    record Absent(Attr attr) implements Matcher {
        @Override
        public boolean matches(AuthzRequest r) {
            return false;
        }
    }
}
