package dev.tollgate.cli.differential;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tollgate check -o json}, run through the real command line in this JVM (the launcher's entry point), and
 * its answer read as a {@link Verdict}.
 */
final class CheckOracle {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Method COMMAND_LINE;

    static {
        try {
            COMMAND_LINE = Class.forName("dev.tollgate.cli.Main").getDeclaredMethod("commandLine", String[].class);
            COMMAND_LINE.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private CheckOracle() {
    }

    static Verdict check(Path config, Req r) {
        List<String> args = new ArrayList<>(List.of("check", "-f", config.toString(), "-o", "json"));
        args.addAll(r.checkArgs());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit;
        try {
            String[] a = args.toArray(String[]::new);
            CommandLine cl = (CommandLine) COMMAND_LINE.invoke(null, (Object) a);
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            exit = cl.execute(a);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot run tollgate check", e);
        }
        if (exit == 2) {
            // check refuses the request itself (a usage error): the sidecar must refuse it as malformed too
            return new Verdict(Verdict.Kind.INVALID_REQUEST, 0, "check exit 2: " + err.toString().strip());
        }
        JsonNode j;
        try {
            j = JSON.readTree(out.toString());
        } catch (IOException e) {
            throw new AssertionError("check printed no JSON (exit " + exit + "): " + out + err, e);
        }
        String outcome = j.path("outcome").asText();
        String reason = outcome + ": " + j.path("reason").asText();
        JsonNode hops = j.path("hops");
        boolean atSidecar = hops.isEmpty() || hops.get(hops.size() - 1).path("proxy").asText().startsWith("sidecar ");
        return switch (outcome) {
            case "allowed" -> new Verdict(Verdict.Kind.REACHED, j.path("upstream").path("port").asInt(),
                    reason + " (upstream " + j.path("upstream") + ")");
            case "blocked" -> new Verdict(Verdict.Kind.SIDECAR_REFUSED, 0, reason);
            case "denied" -> new Verdict(Verdict.Kind.GATEWAY_DENIED, 0, reason);
            case "no-route" -> new Verdict(atSidecar ? Verdict.Kind.SIDECAR_REFUSED : Verdict.Kind.GATEWAY_NO_ROUTE,
                    0, reason);
            default -> throw new AssertionError("unknown outcome in " + j);
        };
    }
}
