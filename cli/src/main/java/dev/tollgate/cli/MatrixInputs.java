package dev.tollgate.cli;

import dev.tollgate.cli.matrix.MatrixColumn;
import dev.tollgate.cli.matrix.MatrixColumns;
import dev.tollgate.cli.matrix.RequestFactory;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.net.Authority;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** The rows and columns {@code matrix} and {@code diff} take beyond the configuration's, and how a probe is built. */
final class MatrixInputs {
    @Option(names = "--from", paramLabel = "NAMESPACE/SERVICEACCOUNT",
            description = {"Also a row for this workload (its labels from a Deployment in the files, as check does).",
                    "Repeatable."})
    List<String> from = new ArrayList<>();

    @Option(names = "--to", paramLabel = "URL|HOST:PORT",
            description = {"Also a column for this host and port: a URL as check takes it (http://, https://,",
                    "tcp://), or HOST:PORT (HTTP on 80, TLS on 443, else TCP). Repeatable."})
    List<String> to = new ArrayList<>();

    /** A probe is the request check builds from the same URL, -X and -H. */
    static final RequestFactory REQUESTS = (url, method, headers) -> {
        RequestOptions r = new RequestOptions();
        r.url = url;
        r.method = method;
        r.headers = new ArrayList<>(headers);
        return r.request(r.target());
    };

    /** Parses --from and --to before any configuration is read: a usage error costs nothing. */
    void validate() {
        from.forEach(f -> workload(f, ConfigSet.EMPTY));
        columns();
    }

    List<WorkloadRef> workloads(ConfigSet set) {
        return from.stream().map(f -> workload(f, set)).toList();
    }

    private static WorkloadRef workload(String from, ConfigSet set) {
        RequestOptions r = new RequestOptions();
        r.from = from;
        return r.workload(set);
    }

    List<MatrixColumn> columns() {
        List<MatrixColumn> out = new ArrayList<>();
        for (String t : to) {
            if (t.contains("://")) {
                TargetUrl u;
                try {
                    u = TargetUrl.parse(t);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--to " + t + ": " + e.getMessage(), e);
                }
                String protocol = switch (u.scheme()) {
                    case "http" -> "HTTP";
                    case "https" -> "TLS";
                    default -> "TCP";
                };
                out.add(MatrixColumns.column(u.host(), u.port(), protocol, List.of()));
                continue;
            }
            Authority a;
            try {
                a = Authority.parse(t, -1);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--to " + t + ": expected a URL (http://, https://, tcp://HOST:PORT)"
                        + " or HOST:PORT, e.g. api.example.com:443");
            }
            if (a.port() < 1 || a.host().contains("*")) {
                throw new IllegalArgumentException("--to " + t + ": expected HOST:PORT with one host, e.g. "
                        + "api.example.com:443");
            }
            String protocol = a.port() == 80 ? "HTTP" : a.port() == 443 ? "TLS" : "TCP";
            out.add(MatrixColumns.column(a.host(), a.port(), protocol, List.of()));
        }
        return out;
    }
}
