package dev.tollgate.control.watch;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One HTTP request to the API server as the API server's authorizer sees it (Kubernetes' RequestInfo): the verb, and
 * for a resource request the API group, resource, subresource, namespace and name. A list or watch that selects
 * {@code metadata.name=X} carries the name X, which is how RBAC's resourceNames can hold for it.
 *
 * @param resource empty for a non-resource request (discovery: {@code /api}, {@code /apis/GROUP/VERSION})
 */
record ApiRequest(String method, String path, String verb, String group, String resource, String subresource,
                  String namespace, String name) {

    boolean isResource() {
        return !resource.isEmpty();
    }

    /** {@code resource} or {@code resource/subresource}, as RBAC rules name it. */
    String rbacResource() {
        return subresource.isEmpty() ? resource : resource + "/" + subresource;
    }

    static ApiRequest of(String method, String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        Map<String, String> query = query(q < 0 ? "" : pathAndQuery.substring(q + 1));
        String[] parts = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);
        String group;
        int rest;
        if (parts.length >= 2 && parts[0].equals("api")) {
            group = "";
            rest = 2;
        } else if (parts.length >= 3 && parts[0].equals("apis")) {
            group = parts[1];
            rest = 3;
        } else {
            return new ApiRequest(method, path, method.toLowerCase(), "", "", "", "", "");
        }
        String[] r = Arrays.copyOfRange(parts, rest, parts.length);
        if (r.length == 0) {
            return new ApiRequest(method, path, method.toLowerCase(), "", "", "", "", "");
        }
        String namespace = "";
        String resource;
        String name = "";
        String sub = "";
        if (r[0].equals("namespaces") && r.length >= 3) {
            namespace = r[1];
            resource = r[2];
            name = r.length > 3 ? r[3] : "";
            sub = r.length > 4 ? r[4] : "";
        } else {
            resource = r[0];
            name = r.length > 1 ? r[1] : "";
            sub = r.length > 2 ? r[2] : "";
            if (resource.equals("namespaces")) {
                namespace = name; // the API server's own rule: a Namespace is in itself
            }
        }
        String verb = switch (method) {
            case "GET", "HEAD" -> "true".equals(query.get("watch")) ? "watch" : name.isEmpty() ? "list" : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name.isEmpty() ? "deletecollection" : "delete";
            default -> method.toLowerCase();
        };
        if ((verb.equals("list") || verb.equals("watch")) && query.containsKey("fieldSelector")) {
            for (String term : query.get("fieldSelector").split(",")) {
                if (term.startsWith("metadata.name=")) {
                    name = term.substring("metadata.name=".length());
                }
            }
        }
        return new ApiRequest(method, path, verb, group, resource, sub, namespace, name);
    }

    private static Map<String, String> query(String q) {
        Map<String, String> out = new HashMap<>();
        for (String kv : q.split("&")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            out.put(decode(eq < 0 ? kv : kv.substring(0, eq)), eq < 0 ? "" : decode(kv.substring(eq + 1)));
        }
        return out;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        if (!isResource()) {
            return verb + " " + path + " (non-resource)";
        }
        return verb + " " + (group.isEmpty() ? "core" : group) + "/" + rbacResource()
                + (name.isEmpty() ? "" : " name=" + name) + (namespace.isEmpty() ? " (cluster)" : " in " + namespace)
                + "   [" + method + " " + path + "]";
    }
}
