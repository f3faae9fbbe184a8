package dev.tollgate.cli;

import dev.tollgate.core.model.AsciiCase;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Workload;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Who asks for what: the options {@code check} and {@code explain} share. {@code --from} and the URL are declared by
 * each command ({@link #FROM}, {@link #URL}): explain requires them, check only without {@code --batch}, which reads
 * them from each line. The command sets {@link #from} and {@link #url} before {@link #prepare}.
 */
final class RequestOptions {
    static final String FROM_LABEL = "NAMESPACE/SERVICEACCOUNT";
    static final String FROM_TEXT_1 = "The workload making the request, e.g. default/sleep. Its labels come from --labels,";
    static final String FROM_TEXT_2 = "or from a Deployment/Pod with that service account in the -f files.";
    static final String URL_TEXT_1 = "http://HOST[:PORT]/PATH  a plain HTTP request";
    static final String URL_TEXT_2 = "https://HOST[:PORT]/     TLS with SNI = HOST (opaque to the sidecar)";
    static final String URL_TEXT_3 = "tcp://HOST:PORT          a raw TCP connection";

    String from;

    @Option(names = "--labels", paramLabel = "k=v[,k=v...]", split = ",",
            description = "The workload's pod labels (for Sidecar workloadSelector and route sourceLabels).")
    Map<String, String> labels;

    @Option(names = {"-X", "--request"}, paramLabel = "METHOD",
            description = {"The HTTP method for http:// URLs (default GET; HEAD with -I), sent as written, as curl",
                    "-X sends it: methods are case-sensitive (get is not GET to a rule naming GET)."})
    String method;

    @Option(names = {"-I", "--head"}, description = "Send HEAD, as 'curl -I' does.")
    boolean head;

    @Option(names = {"-H", "--header"}, paramLabel = "'Name: value'",
            description = "An HTTP request header for http:// URLs. Repeatable.")
    List<String> headers = new ArrayList<>();

    @Option(names = {"-o", "--output"}, completionCandidates = OutputChoices.TextJson.class, paramLabel = "text|json", defaultValue = "text",
            description = "Output format: text (default) or json.")
    String output = "text";

    @Option(names = "--original-destination", paramLabel = "IP",
            description = {"Ask as the sidecar's capture listener (--capture) would: the application connected to",
                    "IP (e.g. DNS gave it), and the sidecar captured the connection. A Host or SNI naming another",
                    "host than the one a ServiceEntry's addresses pin IP to is refused; for tcp:// give the same IP."})
    String originalDestination;

    String url;

    /** The same request options for a question that did not come from the command line (a test case, a batch line). */
    static RequestOptions of(String from, Map<String, String> labels, String method, String url, List<String> headers) {
        RequestOptions r = new RequestOptions();
        r.from = from;
        r.labels = labels == null || labels.isEmpty() ? null : new LinkedHashMap<>(labels);
        r.method = method;
        r.headers = new ArrayList<>(headers);
        r.url = url;
        return r;
    }

    /** One question, ready to ask: who, what, and the compiled snapshot to ask it of. */
    record Question(WorkloadRef from, TargetUrl url, OutboundRequest request, MeshSnapshot snapshot) {
    }

    /** Parses the request, loads and compiles the configuration; usage and configuration errors throw. */
    Question prepare(ConfigOptions config, PrintWriter err) {
        json(); // an unknown -o is a usage error before any work
        TargetUrl target = target();
        OutboundRequest outbound = request(target);
        ignoredOptions(target).forEach(err::println);
        fromSlash(); // a usage error, before the configuration is read
        ConfigSet set = ConfigLoading.load(config, err);
        return new Question(workload(set), target, outbound, SnapshotCompiler.compile(set));
    }

    boolean json() {
        return switch (output.toLowerCase(Locale.ROOT)) {
            case "json" -> true;
            case "text" -> false;
            default -> throw new IllegalArgumentException("-o " + output + ": use text or json");
        };
    }

    TargetUrl target() {
        return TargetUrl.parse(url);
    }

    OutboundRequest request(TargetUrl target) {
        Map<String, List<String>> parsed = new LinkedHashMap<>();
        for (String h : headers) {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("-H " + h + ": expected 'Name: value'");
            }
            parsed.computeIfAbsent(AsciiCase.lower(h.substring(0, colon).trim()), k -> new ArrayList<>())
                    .add(h.substring(colon + 1).trim());
        }
        String m = method != null ? checkedMethod(method) : head ? "HEAD" : "GET";
        parsed.computeIfAbsent("host", k -> new ArrayList<>(List.of(target.authority())));
        OutboundRequest request = target.toRequest(m, parsed);
        if (originalDestination == null) {
            return request;
        }
        String ip = originalDestination.startsWith("[") && originalDestination.endsWith("]")
                ? originalDestination.substring(1, originalDestination.length() - 1) : originalDestination;
        if (!dev.tollgate.core.model.net.IpAddress.isLiteral(ip)) {
            throw new IllegalArgumentException("--original-destination " + originalDestination
                    + ": expected an IP address, e.g. 198.18.0.5");
        }
        return request.capturedTo(ip);
    }

    /**
     * The method as the proxies receive it: as written. HTTP methods are case-sensitive (RFC 9110 9.1), and Envoy's
     * and Tollgate's matching of {@code methods} and {@code method} is exact, so {@code get} must not be asked as
     * {@code GET}: that would answer for another request than the one curl sends. Not a token: no proxy would parse
     * it as a method, so it is an error rather than an answer.
     */
    private static String checkedMethod(String m) {
        if (!METHOD_TOKEN.matcher(m).matches()) {
            throw new IllegalArgumentException("method " + m + ": not an HTTP method; a method is one token of letters,"
                    + " digits and !#$%&'*+-.^_`|~ (e.g. GET, POST, PURGE)");
        }
        return m;
    }

    private static final java.util.regex.Pattern METHOD_TOKEN =
            java.util.regex.Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
    private static final java.util.Set<String> STANDARD_METHODS =
            java.util.Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

    /** Notes about options that do not apply to this URL, or apply otherwise than one may think. */
    List<String> ignoredOptions(TargetUrl target) {
        List<String> notes = new ArrayList<>();
        if (!target.scheme().equals("http") && (method != null || head || !headers.isEmpty())) {
            notes.add("note: -X/-I/-H are ignored for " + target.scheme()
                    + "://: the proxies see only the connection (SNI and port), not the request inside TLS");
        } else if (method != null && !method.equals(method.toUpperCase(Locale.ROOT))
                && STANDARD_METHODS.contains(method.toUpperCase(Locale.ROOT))) {
            notes.add("note: method " + method + " is asked as written: methods are case-sensitive, so rules naming "
                    + method.toUpperCase(Locale.ROOT) + " do not match it (curl -X " + method + " sends it so too)");
        }
        return notes;
    }

    /** @throws IllegalArgumentException for a --from that is not NAMESPACE/SERVICEACCOUNT */
    int fromSlash() {
        int slash = from.indexOf('/');
        if (slash <= 0 || slash == from.length() - 1 || from.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("--from " + from + ": expected NAMESPACE/SERVICEACCOUNT, e.g. default/sleep");
        }
        return slash;
    }

    WorkloadRef workload(ConfigSet config) {
        return workload(workloadsByServiceAccount(config));
    }

    /** The workload to ask as: --labels, or those of the first Deployment/Pod with this service account. */
    WorkloadRef workload(Map<String, WorkloadRef> byServiceAccount) {
        int slash = fromSlash();
        String ns = from.substring(0, slash);
        String sa = from.substring(slash + 1);
        if (labels != null) {
            return new WorkloadRef(ns, sa, labels);
        }
        return byServiceAccount.getOrDefault(from, new WorkloadRef(ns, sa, Map.of()));
    }

    /** The configuration's workloads by NAMESPACE/SERVICEACCOUNT, the first of each (once per configuration). */
    static Map<String, WorkloadRef> workloadsByServiceAccount(ConfigSet config) {
        Map<String, WorkloadRef> out = new java.util.HashMap<>();
        for (Workload w : config.workloads()) {
            out.putIfAbsent(w.namespace() + "/" + w.serviceAccount(), w.ref());
        }
        return out;
    }
}
