package dev.tollgate.cli.differential;

import java.util.List;

/**
 * The names, addresses and workloads the generators draw from. Every host a generated request can name is here, so
 * the stand-ins can serve it (a name outside it would reach the sink and say nothing about the product).
 */
final class Pool {
    private Pool() {
    }

    static final String GW_HOST = "istio-egressgateway.istio-system.svc.cluster.local";

    /** Names ServiceEntries declare and requests ask for. */
    static final List<String> NAMED = List.of("developers.google.com", "developer.yahoo.com", "edition.cnn.com",
            "api.example.com");
    /** Wildcard ServiceEntry / Gateway / VirtualService hosts, and names they cover. */
    static final List<String> WILDCARDS = List.of("*.wikipedia.org", "*.example.com");
    static final List<String> WILDCARD_COVERED = List.of("en.wikipedia.org", "www.wikipedia.org", "api.example.com",
            "shop.example.com", "www.example.com");
    /** Names no generated resource declares. */
    static final List<String> UNKNOWN = List.of("unknown.example.net", "evil.example.org");
    /** IP literals, as requests write them and ServiceEntry addresses list them. */
    static final List<String> IPS = List.of("10.0.0.1", "192.0.2.10", "2001:db8::1");

    /**
     * Hosts check and the proxies must both refuse, or both read as the same host, now that they share one host
     * and IP rule: a non-ASCII look-alike (a Kelvin sign for the K of key.example.com), an IPv4 address with a
     * leading zero (inet_aton would read it as octal), 10.0.0.1 written as an IPv4-mapped IPv6 address, and names
     * whose last label is a number (which must then be a whole IPv4 address).
     */
    static final List<String> HOSTILE = List.of("\u212Aey.example.com", "\u212A.example.com", "010.0.0.1",
            "::ffff:10.0.0.1", "www.example.1", "1.2.3", "10.0.0.1.", "0x0a.0.0.1");

    /** Served by the stand-ins but never generated: the Kelvin-sign case asks for it (issue 7, disagreement 3). */
    static final List<String> NAMED_CASES_ONLY = List.of("key.example.com");

    /** 10.0.0.1 written as an IPv4-mapped IPv6 address: the same host, so the same stand-in serves it. */
    static final List<String> NAMED_CASES_ONLY_IPS = List.of("::ffff:10.0.0.1");

    static final List<String> CONCRETE_HOSTS = java.util.stream.Stream.of(NAMED, WILDCARD_COVERED, UNKNOWN,
                    NAMED_CASES_ONLY)
            .flatMap(List::stream).distinct().toList();

    static final List<String> PATHS = List.of("/", "/api", "/api/v1/items", "/admin", "/public/x");
    /** {@code get} besides GET: methods are case-sensitive, to the proxies and to rules alike. */
    static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "get");

    /** A workload that sends requests: its sidecar's identity and the labels Sidecar selectors see. */
    record Source(String namespace, String serviceAccount) {
        String principal() {
            return "cluster.local/ns/" + namespace + "/sa/" + serviceAccount;
        }

        @Override
        public String toString() {
            return namespace + "/" + serviceAccount;
        }
    }

    static final List<Source> SOURCES = List.of(new Source("default", "sleep"), new Source("otherns", "sleep"),
            new Source("otherns", "sleep-yahoo"));
}
