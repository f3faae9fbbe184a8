package dev.tollgate.config;

import dev.tollgate.core.model.Visibility;

import dev.tollgate.core.model.AsciiCase;
import dev.tollgate.core.model.net.HostPattern;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Istio's ValidateVirtualService (validation.go, virtualservice.go), on the YAML nodes. */
final class VirtualServiceRules {
    private VirtualServiceRules() {
    }

    static void validate(FieldNode spec, String namespace, Problems.Scoped p) {
        List<FieldNode> hosts = spec.list("hosts");
        List<FieldNode> gateways = spec.list("gateways");
        if (hosts.isEmpty()) {
            // a delegate VirtualService
            spec.get("gateways").filter(g -> !g.items().isEmpty()).ifPresent(g -> p.error("invalid-field", g,
                    "delegate virtual service must have no gateways specified"));
            spec.get("tls").filter(g -> !g.items().isEmpty()).ifPresent(g -> p.error("invalid-field", g,
                    "delegate virtual service must have no tls route specified"));
            spec.get("tcp").filter(g -> !g.items().isEmpty()).ifPresent(g -> p.error("invalid-field", g,
                    "delegate virtual service must have no tcp route specified"));
        }
        gateways.forEach(g -> gatewayName(g, p));
        boolean appliesToMesh = gateways.isEmpty() || gateways.stream().anyMatch(g -> g.text().equals("mesh"));
        boolean hostsValid = true;
        for (FieldNode host : hosts) {
            var err = IstioNames.wildcardDomain(host.text());
            if (err.isPresent() && !IstioNames.isIpAddress(host.text())) {
                p.error("invalid-field", host, err.get());
                hostsValid = false;
            } else if (appliesToMesh && host.text().equals("*")) {
                p.error("invalid-field", host, "wildcard host * is not allowed for virtual services bound to the mesh gateway");
                hostsValid = false;
            }
        }
        if (hostsValid) {
            for (int i = 0; i < hosts.size(); i++) {
                for (int j = i + 1; j < hosts.size(); j++) {
                    if (overlaps(hosts.get(i).text(), hosts.get(j).text())) {
                        p.error("invalid-field", hosts.get(j), "duplicate hosts in virtual service: "
                                + hosts.get(i).text() + " & " + hosts.get(j).text());
                    }
                }
            }
        }
        if (spec.list("http").isEmpty() && spec.list("tcp").isEmpty() && spec.list("tls").isEmpty()) {
            p.error("missing-field", spec, "http, tcp or tls must be provided in virtual service");
        }
        for (FieldNode http : spec.list("http")) {
            httpRoute(http, hosts.isEmpty(), p);
        }
        for (FieldNode tls : spec.list("tls")) {
            if (tls.list("match").isEmpty()) {
                p.error("missing-field", tls, "TLS route must have at least one match condition");
            }
            for (FieldNode match : tls.list("match")) {
                List<FieldNode> sni = match.list("sniHosts");
                if (sni.isEmpty()) {
                    p.error("missing-field", match, "TLS match must have at least one SNI host");
                }
                for (FieldNode s : sni) {
                    sniHost(s, hosts, p);
                }
                l4Match(match, p);
            }
            if (tls.list("route").isEmpty()) {
                p.error("missing-field", tls, "TLS route is required");
            }
            destinations(tls.list("route"), p);
        }
        for (FieldNode tcp : spec.list("tcp")) {
            tcp.list("match").forEach(m -> l4Match(m, p));
            if (tcp.list("route").isEmpty()) {
                p.error("missing-field", tcp, "TCP route is required");
            }
            destinations(tcp.list("route"), p);
        }
        CommonRules.exportTo(spec, namespace, Visibility.Owner.CONFIG, p);
        CommonRules.durations(spec, p);
    }

    /** validateHTTPRoute (virtualservice.go): conflicts, matches, header operations, rewrite, mirror, retries. */
    private static void httpRoute(FieldNode http, boolean delegate, Problems.Scoped p) {
        boolean hasRoute = !http.list("route").isEmpty();
        boolean hasRedirect = http.has("redirect");
        boolean hasDirect = http.has("directResponse");
        if (http.has("delegate")) {
            FieldNode at = http.get("delegate").orElseThrow();
            if (delegate) {
                p.error("invalid-field", at, "delegate HTTP route cannot contain delegate");
            }
            if (hasRedirect) {
                p.error("invalid-field", at, "root HTTP route must not specify redirect");
            }
            if (hasRoute) {
                p.error("invalid-field", at, "root HTTP route must not specify route");
            }
        } else if (hasRedirect || hasDirect) {
            if (hasRoute) {
                p.error("invalid-field", http, "HTTP route cannot contain both route and "
                        + (hasRedirect ? "redirect" : "direct response"));
            }
            if (hasRedirect && hasDirect) {
                p.error("invalid-field", http, "HTTP route cannot contain both redirect and direct response");
            }
            if (hasRedirect && http.has("fault")) {
                p.error("invalid-field", http.get("fault").orElseThrow(), "HTTP route cannot contain both fault and redirect");
            }
            if (hasRedirect && http.has("rewrite")) {
                p.error("invalid-field", http.get("rewrite").orElseThrow(),
                        "HTTP route rule cannot contain both rewrite and redirect");
            }
        } else if (!hasRoute) {
            p.error("missing-field", http, "HTTP route, redirect, direct response or delegate is required");
        }
        for (FieldNode match : http.list("match")) {
            match.get("port").ifPresent(port -> CommonRules.port(port, p));
            match.list("gateways").forEach(g -> gatewayName(g, p));
            CommonRules.labelMap(match.get("sourceLabels").map(FieldNode::entries).orElse(List.of()), p);
            match.get("sourceNamespace").filter(ns -> !IstioNames.isDnsLabel(ns.text())).ifPresent(ns ->
                    p.error("invalid-field", ns, "sourceNamespace match " + ns.text() + " is invalid"));
            for (String f : List.of("uri", "scheme", "method", "authority")) {
                match.get(f).ifPresent(sm -> stringMatch(sm, p));
            }
            for (String f : List.of("headers", "queryParams", "withoutHeaders")) {
                for (FieldNode entry : match.get(f).map(FieldNode::entries).orElse(List.of())) {
                    if (!f.equals("queryParams") && !HEADER_NAME.matcher(entry.key()).matches()
                            && !entry.key().startsWith("@request.auth.claims.")) {
                        p.error("invalid-field", entry, "header name " + entry.key() + " is not a valid header name");
                    }
                    stringMatch(entry, p);
                }
            }
        }
        http.get("headers").ifPresent(h -> headerOperations(h, p));
        for (FieldNode route : http.list("route")) {
            route.get("headers").ifPresent(h -> headerOperations(h, p));
        }
        destinations(http.list("route"), p);
        http.get("mirror").ifPresent(m -> destination(m, p));
        for (FieldNode mirror : http.list("mirrors")) {
            mirror.get("destination").ifPresentOrElse(d -> destination(d, p),
                    () -> p.error("missing-field", mirror, "destination is required for mirrors"));
            mirror.get("percentage").flatMap(pc -> pc.get("value")).ifPresent(v -> percentage(v, p));
        }
        http.get("mirrorPercentage").flatMap(pc -> pc.get("value")).ifPresent(v -> percentage(v, p));
        http.get("redirect").ifPresent(r -> {
            if (!r.has("uri") && !r.has("authority") && !r.has("port") && !r.has("derivePort") && !r.has("scheme")) {
                p.error("missing-field", r, "redirect must specify URI, authority, scheme, or port");
            }
            long code = r.number("redirectCode");
            if (code != 0 && (code < 300 || code > 399)) {
                p.error("invalid-field", r.get("redirectCode").orElseThrow(), code + " is not a valid redirect code, must be 3xx");
            }
            r.get("scheme").filter(sc -> !sc.text().equals("http") && !sc.text().equals("https")).ifPresent(sc ->
                    p.error("invalid-field", sc, "invalid redirect scheme, must be \"http\" or \"https\""));
            r.get("port").filter(pt -> r.number("port") > 0).ifPresent(pt -> CommonRules.port(pt, p));
        });
        http.get("rewrite").ifPresent(rw -> {
            if (rw.has("uri") && rw.has("uriRegexRewrite")) {
                p.error("invalid-field", rw, "rewrite may only contain one of URI or UriRegexRewrite");
            } else if (!rw.has("uri") && !rw.has("uriRegexRewrite") && !rw.has("authority")) {
                p.error("missing-field", rw, "rewrite must specify at least one of URI, UriRegexRewrite, or authority");
            }
        });
        http.get("retries").ifPresent(r -> {
            long attempts = r.number("attempts");
            if (attempts < 0) {
                p.error("invalid-field", r.get("attempts").orElseThrow(), "attempts cannot be negative");
            } else if (attempts == 0 && (r.has("perTryTimeout") || r.has("retryOn") || r.has("retryRemoteLocalities"))) {
                p.error("invalid-field", r, "http retry policy configured when attempts are set to 0 (disabled)");
            }
        });
        http.get("directResponse").ifPresent(d -> {
            long status = d.number("status");
            if (status < 200 || status > 599) {
                p.error("invalid-field", d.get("status").orElse(d), "HTTP status " + status + " is not in range 200-599");
            }
        });
    }

    private static final Pattern HEADER_NAME = Pattern.compile("[-_A-Za-z0-9]+");

    /** Header add/set/remove: no pseudo-headers, and Host only through the authority. */
    private static void headerOperations(FieldNode headers, Problems.Scoped p) {
        for (String side : List.of("request", "response")) {
            headers.get(side).ifPresent(ops -> {
                for (String op : List.of("add", "set")) {
                    for (FieldNode h : ops.get(op).map(FieldNode::entries).orElse(List.of())) {
                        headerName(h, h.key(), side.equals("request") && !AsciiCase.equalsIgnoreCase(h.key(), "host")
                                && !AsciiCase.equalsIgnoreCase(h.key(), ":authority"), p);
                    }
                }
                for (FieldNode h : ops.list("remove")) {
                    headerName(h, h.text(), false, p);
                }
            });
        }
    }

    private static void headerName(FieldNode at, String name, boolean authorityAllowed, Problems.Scoped p) {
        if (name.isEmpty()) {
            p.error("invalid-field", at, "header name cannot be empty");
        } else if (name.startsWith(":") && !(authorityAllowed && AsciiCase.equalsIgnoreCase(name, ":authority"))) {
            p.error("invalid-field", at, "invalid header \"" + name + "\": header cannot have \":\" prefix");
        } else if (!authorityAllowed && AsciiCase.equalsIgnoreCase(name, "host")) {
            p.error("invalid-field", at, "invalid header \"" + name + "\": cannot set Host header");
        }
    }

    private static void percentage(FieldNode value, Problems.Scoped p) {
        double v = Double.parseDouble(value.text());
        if (v < 0 || v > 100) {
            p.error("invalid-field", value, "percentage " + value.text() + " must be in 0..100");
        }
    }

    private static void stringMatch(FieldNode sm, Problems.Scoped p) {
        sm.get("prefix").filter(v -> v.text().isEmpty()).ifPresent(v -> p.error("invalid-field", v,
                "prefix string match should not be empty"));
        sm.get("regex").ifPresent(v -> {
            if (v.text().isEmpty()) {
                p.error("invalid-field", v, "regex string match should not be empty");
            } else if (v.text().length() > 1024) {
                p.error("invalid-field", v, "regex is too large, max length allowed is 1024");
            } else {
                try {
                    Pattern.compile(v.text());
                } catch (PatternSyntaxException e) {
                    p.error("invalid-field", v, "invalid regex: " + e.getDescription());
                }
            }
        });
    }

    private static void l4Match(FieldNode match, Problems.Scoped p) {
        match.get("port").filter(port -> match.number("port") != 0).ifPresent(port -> CommonRules.port(port, p));
        match.list("gateways").forEach(g -> gatewayName(g, p));
        for (FieldNode subnet : match.list("destinationSubnets")) {
            if (!IstioNames.isIpOrCidr(subnet.text())) {
                p.error("invalid-field", subnet, subnet.text() + " is not a valid IP address or CIDR block");
            }
        }
        CommonRules.labelMap(match.get("sourceLabels").map(FieldNode::entries).orElse(List.of()), p);
    }

    /** Route destinations: host required and valid, subset a DNS label, port in range, weights not all zero. */
    static void destinations(List<FieldNode> routes, Problems.Scoped p) {
        long total = 0;
        for (FieldNode route : routes) {
            var destination = route.get("destination");
            if (destination.isEmpty()) {
                p.error("missing-field", route, "destination is required");
            } else {
                destination(destination.get(), p);
            }
            long weight = route.number("weight");
            if (weight < 0) {
                p.error("invalid-field", route.get("weight").orElseThrow(), "weight " + weight + " < 0");
            }
            total += weight;
        }
        if (routes.size() > 1 && total == 0) {
            p.error("invalid-field", routes.get(0), "total destination weight = 0");
        }
    }

    static void destination(FieldNode destination, Problems.Scoped p) {
        FieldNode host = destination.get("host").orElse(destination);
        String h = destination.string("host").orElse("");
        if (h.equals("*")) {
            p.error("invalid-field", host, "invalid destination host *");
        } else {
            IstioNames.wildcardDomain(h).ifPresent(m -> p.error("invalid-field", host, m));
        }
        destination.get("subset").filter(s -> !IstioNames.isDnsLabel(s.text())).ifPresent(s ->
                p.error("invalid-field", s, "subset name is invalid: \"" + s.text() + "\""));
        destination.get("port").flatMap(port -> port.get("number")).ifPresent(n -> CommonRules.port(n, p));
    }

    /** {@code mesh}, {@code name}, {@code ns/name} (or a legacy FQDN). */
    static void gatewayName(FieldNode gateway, Problems.Scoped p) {
        String g = gateway.text();
        int slash = g.indexOf('/');
        if (slash < 0) {
            IstioNames.fqdn(g).ifPresent(m -> p.error("invalid-field", gateway, "invalid gateway name: " + m));
            return;
        }
        String ns = g.substring(0, slash);
        String name = g.substring(slash + 1);
        if (ns.isEmpty() || name.isEmpty()) {
            p.error("invalid-field", gateway, "config namespace and gateway name cannot be empty");
        } else if (!IstioNames.isDnsLabel(ns)) {
            p.error("invalid-field", gateway, "invalid value for namespace: \"" + ns + "\"");
        } else if (!IstioNames.isDnsLabel(name)) {
            p.error("invalid-field", gateway, "invalid value for gateway name: \"" + name + "\"");
        }
    }

    private static void sniHost(FieldNode sni, List<FieldNode> hosts, Problems.Scoped p) {
        String s = sni.text();
        var err = IstioNames.wildcardDomain(s);
        if (err.isPresent()) {
            if (IstioNames.isIpAddress(s)) {
                p.warning("sni-ip", sni, "using an IP address (\"" + s + "\") goes against SNI spec");
            } else {
                p.error("invalid-field", sni, err.get());
            }
            return;
        }
        boolean covered = hosts.stream().anyMatch(h -> subsetOf(s, h.text()));
        if (!covered) {
            p.error("invalid-field", sni, "SNI host \"" + s + "\" is not a compatible subset of any of the virtual "
                    + "service hosts: " + hosts.stream().map(FieldNode::text).toList());
        }
    }

    /** Whether every name {@code a} matches is also matched by {@code b} (Istio host.Name.SubsetOf). */
    static boolean subsetOf(String a, String b) {
        return HostPattern.matches(b, a);
    }

    private static boolean overlaps(String a, String b) {
        return subsetOf(a, b) || subsetOf(b, a);
    }
}
