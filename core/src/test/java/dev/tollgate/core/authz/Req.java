package dev.tollgate.core.authz;

import dev.tollgate.core.model.HttpRequestInfo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds {@link AuthzRequest}s for tests: an mTLS peer default/sleep sending GET http://httpbin.foo/ unless told. */
final class Req {
    private Optional<String> principal = Optional.of("cluster.local/ns/default/sa/sleep");
    private Optional<String> namespace = Optional.of("default");
    private String sourceIp = "10.0.0.1";
    private String remoteIp = "10.0.0.1";
    private String destinationIp = "10.0.0.9";
    private int port = 80;
    private Optional<String> sni = Optional.empty();
    private boolean tcp;
    private String method = "GET";
    private String authority = "httpbin.foo";
    private String path = "/";
    private final Map<String, List<String>> headers = new HashMap<>();

    static Req http() {
        return new Req();
    }

    static Req tcp() {
        Req r = new Req();
        r.tcp = true;
        return r;
    }

    /** Peer principal {@code cluster.local/ns/<ns>/sa/<sa>}. */
    Req from(String ns, String sa) {
        principal = Optional.of("cluster.local/ns/" + ns + "/sa/" + sa);
        namespace = Optional.of(ns);
        return this;
    }

    Req principal(String p) {
        principal = Optional.of(p);
        return this;
    }

    Req plaintext() {
        principal = Optional.empty();
        namespace = Optional.empty();
        return this;
    }

    Req sourceIp(String ip) {
        sourceIp = ip;
        remoteIp = ip;
        return this;
    }

    Req remoteIp(String ip) {
        remoteIp = ip;
        return this;
    }

    Req destinationIp(String ip) {
        destinationIp = ip;
        return this;
    }

    Req port(int p) {
        port = p;
        return this;
    }

    Req sni(String s) {
        sni = Optional.of(s);
        return this;
    }

    Req method(String m) {
        method = m;
        return this;
    }

    Req host(String h) {
        authority = h;
        return this;
    }

    Req path(String p) {
        path = p;
        return this;
    }

    Req header(String name, String... values) {
        headers.put(name.toLowerCase(), List.of(values));
        return this;
    }

    AuthzRequest build() {
        return new AuthzRequest(principal, namespace, sourceIp, remoteIp, destinationIp, port, sni,
                tcp ? Optional.empty() : Optional.of(new HttpRequestInfo(method, authority, path, headers)));
    }

    @Override
    public String toString() {
        return (tcp ? "tcp" : method + " " + authority + path) + " from " + principal.orElse("plaintext")
                + (sni.map(s -> " sni=" + s).orElse("")) + " port " + port;
    }
}
