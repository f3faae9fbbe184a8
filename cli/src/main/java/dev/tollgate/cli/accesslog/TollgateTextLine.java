package dev.tollgate.cli.accesslog;

import dev.tollgate.core.model.net.Authority;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tollgate's text access log ({@code --access-log text}), Envoy-like:
 * {@code [START] "REQUEST" CODE DECISION RX TX DURATION "HOST:PORT" sni=SNI src=PRINCIPAL@ADDRESS route="..." ...
 * [captured=ADDRESS:PORT]}. Only the fields up to {@code src=} and the trailing {@code captured=} are read: the reason
 * and route after them are free text.
 */
final class TollgateTextLine {
    private static final Pattern LINE = Pattern.compile(
            "\\[[^\\]]*] \"([^\"]*)\" (\\d{1,3}) [a-z-]+ \\d+ \\d+ \\d+ \"([^\"]*)\" sni=(\\S+) src=(\\S*)@\\S* route=\".*");
    private static final Pattern CAPTURED = Pattern.compile(" captured=(\\S+)$");

    private TollgateTextLine() {
    }

    /** Empty when the line is not in this format (then it may be Envoy's). */
    static Optional<LineResult> parse(String where, String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            return Optional.empty();
        }
        String request = m.group(1);
        // HOST:PORT, an IPv6 host written without brackets: the port is after the last colon
        String hostPort = m.group(3);
        int colon = hostPort.lastIndexOf(':');
        String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
        Optional<Authority> destination = colon < 0 ? Optional.empty() : Authority.tryParse(
                (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + hostPort.substring(colon), -1);
        if (destination.isEmpty()) {
            return Optional.of(new LineResult.Skipped(where, "no destination host and port"));
        }
        String[] parts = request.split(" ", -1);
        // the request is METHOD AUTHORITY PATH for HTTP, else CONNECT/TUNNEL/TCP HOST:PORT
        String protocol = parts.length == 2 && parts[0].equals("TCP") ? "tcp"
                : parts.length == 2 && (parts[0].equals("CONNECT") || parts[0].equals("TUNNEL")) ? "tunnel" : "http";
        Matcher captured = CAPTURED.matcher(line);
        return Optional.of(new TollgateFields(protocol, request, m.group(5), destination.get().host(),
                destination.get().port(), sni(m.group(4)), Integer.parseInt(m.group(2)),
                captured.find() ? captured.group(1) : null).toResult(where, LogFormat.TOLLGATE_TEXT));
    }

    private static String sni(String text) {
        return text.equals("-") ? null : text;
    }
}
