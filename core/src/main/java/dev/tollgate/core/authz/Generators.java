package dev.tollgate.core.authz;

import dev.tollgate.core.model.net.IpPrefix;
import dev.tollgate.core.model.PathTemplate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One small generator per attribute key, as Istio's {@code pilot/pkg/security/authz/model/generator.go}: each knows
 * which attribute it reads, whether it is HTTP-only, and how one value becomes a leaf matcher. {@link #WHEN} is the
 * table of {@code when} keys; the Source and Operation fields use the same generators.
 */
final class Generators {

    /** A value the generator cannot turn into a matcher (bad CIDR, port, key format). */
    static final class InvalidValue extends Exception {
        InvalidValue(String message) {
            super(message, null, false, false);
        }
    }

    interface Generator {
        Attr attr();

        /** Istio refuses these on TCP filter chains ("%q is HTTP only"). */
        boolean httpOnly();

        /** The header name a key such as {@code request.headers[User-Agent]} names, or null. */
        default String headerName(String key) {
            return null;
        }

        Matcher leaf(String key, String value, String policyNamespace) throws InvalidValue;
    }

    private record Simple(Attr attr, boolean httpOnly, LeafFn fn) implements Generator {
        @Override
        public Matcher leaf(String key, String value, String policyNamespace) throws InvalidValue {
            return fn.leaf(key, value, policyNamespace);
        }
    }

    @FunctionalInterface
    private interface LeafFn {
        Matcher leaf(String key, String value, String policyNamespace) throws InvalidValue;
    }

    /** Envoy's safe_regex is RE2, whose '.' excludes only '\n': Java's UNIX_LINES mode is the same. */
    private static final int RE2_DOT = Pattern.UNIX_LINES;

    static final Generator SOURCE_IP = new Simple(Attr.SOURCE_IP, false, (k, v, ns) -> ip(Attr.SOURCE_IP, v));
    static final Generator REMOTE_IP = new Simple(Attr.REMOTE_IP, false, (k, v, ns) -> ip(Attr.REMOTE_IP, v));
    static final Generator DESTINATION_IP =
            new Simple(Attr.DESTINATION_IP, false, (k, v, ns) -> ip(Attr.DESTINATION_IP, v));
    static final Generator PORT = new Simple(Attr.DESTINATION_PORT, false, (k, v, ns) -> port(v));
    static final Generator SNI = new Simple(Attr.SNI, false,
            (k, v, ns) -> new Matcher.Str(Attr.SNI, null, StringMatch.of(v, false)));

    /** Istio: {@code StringMatcherWithPrefix(v, "spiffe://")}; equivalent on the principal without the prefix. */
    static final Generator PRINCIPAL = new Simple(Attr.SOURCE_PRINCIPAL, false,
            (k, v, ns) -> new Matcher.Str(Attr.SOURCE_PRINCIPAL, null,
                    v.equals("*") ? new StringMatch(StringMatch.Kind.PRESENT, "", false) : StringMatch.of(v, false)));

    /** Istio: regex {@code .*}{@code /ns/<v with * as .*>/.*} on the URI SAN. */
    static final Generator NAMESPACE = new Simple(Attr.SOURCE_PRINCIPAL, false, (k, v, ns) -> {
        if (v.indexOf('*') < 0) {
            return new Matcher.NamespaceIs(v);
        }
        StringBuilder re = new StringBuilder(".*/ns/");
        String[] parts = v.split("\\*", -1);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                re.append(".*");
            }
            re.append(Pattern.quote(parts[i]));
        }
        return new Matcher.UriRegex(Pattern.compile(re.append("/.*").toString(), RE2_DOT));
    });

    /** Istio: {@code <ns>/<sa>} or {@code <sa>} in the policy's namespace, regex on the URI SAN. */
    static final Generator SERVICE_ACCOUNT = new Simple(Attr.SOURCE_PRINCIPAL, false, (k, v, policyNs) -> {
        int slash = v.indexOf('/');
        String ns = slash < 0 ? policyNs : v.substring(0, slash);
        String sa = slash < 0 ? v : v.substring(slash + 1);
        return new Matcher.UriRegex(Pattern.compile("spiffe://.+/ns/" + Pattern.quote(ns) + "/(.+/|)sa/"
                + Pattern.quote(sa) + "(/.+)?", RE2_DOT));
    });

    /** Istio's srcTrustDomainGenerator. */
    static final Generator TRUST_DOMAIN = new Simple(Attr.SOURCE_PRINCIPAL, false, (k, v, ns) -> {
        if (v.equals("*")) {
            return new Matcher.Str(Attr.SOURCE_PRINCIPAL, null, new StringMatch(StringMatch.Kind.PRESENT, "", false));
        }
        if (v.indexOf('*') < 0) {
            return new Matcher.Str(Attr.SOURCE_PRINCIPAL, null,
                    new StringMatch(StringMatch.Kind.PREFIX, v + "/", false));
        }
        String[] parts = v.split("\\*", 2);
        return new Matcher.UriRegex(Pattern.compile("spiffe://" + Pattern.quote(parts[0]) + "[^/]*"
                + Pattern.quote(parts[1]) + "/.*", RE2_DOT));
    });

    /** No RequestAuthentication exists in Tollgate, so JWT attributes are never present. */
    static final Generator REQUEST_AUTH = new Simple(Attr.REQUEST_AUTH, true, (k, v, ns) -> new Matcher.Absent(Attr.REQUEST_AUTH));

    static final Generator REQUEST_CLAIM = new Simple(Attr.REQUEST_AUTH, true, (k, v, ns) -> {
        String rest = k.substring("request.auth.claims".length());
        if (!rest.startsWith("[") || !rest.endsWith("]") || rest.length() < 3) {
            throw new InvalidValue("expecting format [<NAME>], but found " + rest);
        }
        return new Matcher.Absent(Attr.REQUEST_AUTH);
    });

    static final Generator ENVOY_FILTER = new Simple(Attr.ENVOY_METADATA, false, (k, v, ns) -> {
        String rest = k.substring("experimental.".length());
        int open = rest.indexOf('[');
        if (open < 0 || !rest.endsWith("]")) {
            throw new InvalidValue("invalid key: " + k);
        }
        return new Matcher.Absent(Attr.ENVOY_METADATA);
    });

    static final Generator HEADER = new Generator() {
        @Override
        public Attr attr() {
            return Attr.HEADER;
        }

        @Override
        public boolean httpOnly() {
            return true;
        }

        @Override
        public String headerName(String key) {
            String rest = key.substring("request.headers".length());
            if (!rest.startsWith("[") || !rest.endsWith("]") || rest.length() < 3) {
                return null;
            }
            return dev.tollgate.core.model.AsciiCase.lower(rest.substring(1, rest.length() - 1));
        }

        @Override
        public Matcher leaf(String key, String value, String policyNamespace) throws InvalidValue {
            String name = headerName(key);
            if (name == null) {
                throw new InvalidValue("expecting format request.headers[<NAME>], but found " + key);
            }
            return new Matcher.Str(Attr.HEADER, name, StringMatch.header(value, false));
        }
    };

    /** Istio's HostMatcher on {@code :authority}: case-insensitive, {@code *} is presence, the port is not stripped. */
    static final Generator HOST = new Simple(Attr.HOST, true,
            (k, v, ns) -> new Matcher.Str(Attr.HOST, null, StringMatch.header(v, true)));

    static final Generator METHOD = new Simple(Attr.METHOD, true,
            (k, v, ns) -> new Matcher.Str(Attr.METHOD, null, StringMatch.header(v, false)));

    /** An invalid path (Istio's CheckValidPathTemplate) is an invalid value: fail closed, as for a bad CIDR. */
    static final Generator PATH = new Simple(Attr.PATH, true, (k, v, ns) -> {
        java.util.Optional<String> problem = PathTemplate.problem(v);
        if (problem.isPresent()) {
            throw new InvalidValue("invalid or unsupported path " + v + ": " + problem.get());
        }
        if (PathTemplate.isTemplate(v)) {
            return new Matcher.Regex(Attr.PATH, PathTemplate.compile(v));
        }
        return new Matcher.Str(Attr.PATH, null, StringMatch.of(v, false));
    });

    /** The {@code when} keys, exact and by prefix, as in Istio's model.New. */
    static final Map<String, Generator> WHEN;
    static final Map<String, Generator> WHEN_PREFIX;

    static {
        Map<String, Generator> m = new LinkedHashMap<>();
        m.put("destination.ip", DESTINATION_IP);
        m.put("destination.port", PORT);
        m.put("connection.sni", SNI);
        m.put("source.ip", SOURCE_IP);
        m.put("remote.ip", REMOTE_IP);
        m.put("source.namespace", NAMESPACE);
        m.put("source.trustDomain", TRUST_DOMAIN);
        m.put("source.serviceAccount", SERVICE_ACCOUNT);
        m.put("source.principal", PRINCIPAL);
        m.put("request.auth.principal", REQUEST_AUTH);
        m.put("request.auth.audiences", REQUEST_AUTH);
        m.put("request.auth.presenter", REQUEST_AUTH);
        WHEN = Map.copyOf(m);
        Map<String, Generator> p = new LinkedHashMap<>();
        p.put("experimental.envoy.filters.", ENVOY_FILTER);
        p.put("request.headers", HEADER);
        p.put("request.auth.claims", REQUEST_CLAIM);
        WHEN_PREFIX = p;
    }

    static Optional<Generator> forWhenKey(String key) {
        Generator g = WHEN.get(key);
        if (g != null) {
            return Optional.of(g);
        }
        for (Map.Entry<String, Generator> e : WHEN_PREFIX.entrySet()) {
            if (key.startsWith(e.getKey())) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    private static Matcher ip(Attr attr, String v) throws InvalidValue {
        return new Matcher.Ip(attr, IpPrefix.parse(v).orElseThrow(() -> new InvalidValue("invalid IP or CIDR " + v)));
    }

    private static Matcher port(String v) throws InvalidValue {
        if (v.isEmpty() || v.length() > 5 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidValue("invalid port " + v);
        }
        int p = Integer.parseInt(v);
        if (p > 65535) {
            throw new InvalidValue("invalid port " + v);
        }
        return new Matcher.Port(p);
    }

    private Generators() {
    }
}
