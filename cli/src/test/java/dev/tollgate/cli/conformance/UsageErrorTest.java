package dev.tollgate.cli.conformance;

import dev.tollgate.cli.conformance.Conformance.Case;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tollgate.cli.conformance.Conformance.check;

/** The command line itself: usage errors exit 2 (issue 2 section 4, DESIGN.md "Contracts"). */
class UsageErrorTest {
    private static final String USAGE = "issue 2 section 4: \"Exit status: 0 allowed, 1 denied, 2 usage or configuration"
            + " error\"; tollgate check ... --from NAMESPACE/SERVICEACCOUNT ... [-o text|json] URL";
    private static final String SCHEMES = "issue 2 section 4: URL schemes http://, https://, tcp://host:port";

    @TempDir
    Path dir;

    static Stream<Case> cases() {
        return Stream.of(
                check("--from without a slash", USAGE).from("sleep").error("https://api.example.com/", "--from"),
                check("--from with an empty service account", USAGE).from("default/").error("https://api.example.com/"),
                check("--from with an empty namespace", USAGE).from("/sleep").error("https://api.example.com/"),
                check("--from with two slashes", USAGE).from("a/b/c").error("https://api.example.com/"),
                check("no --from", USAGE).from(null).error("https://api.example.com/", "--from"),
                check("no URL", USAGE).error(null),
                check("-o yaml is not a format", USAGE).args("-o", "yaml").error("https://api.example.com/", "yaml"),
                check("ftp:// is not a scheme check takes", SCHEMES).error("ftp://api.example.com/"),
                check("a bare host without a scheme", SCHEMES).error("api.example.com"),
                check("tcp:// without a port", SCHEMES).error("tcp://db.example.com"),
                check("https port above 65535", SCHEMES).error("https://api.example.com:99999/"),
                check("https port 0", SCHEMES).error("https://api.example.com:0/"),
                check("not a URL at all", SCHEMES).error("http://exa mple.com/"),
                check("no host", SCHEMES).error("https:///path"),
                check("-H without a colon", USAGE).args("-H", "x-team blue").error("http://api.example.com/", "-H"),
                check("--set without =", USAGE).args("--set", "meshConfig.outboundTrafficPolicy.mode")
                        .error("https://api.example.com/", "--set"),
                check("unknown option", USAGE).args("--bogus").error("https://api.example.com/"),
                check("-f of a missing file", USAGE).args("-f", "/nonexistent/tollgate/x.yaml")
                        .error("https://api.example.com/", "x.yaml"),
                check("-f NS= of a missing file", USAGE).args("-f", "default=/nonexistent/tollgate/y.yaml")
                        .error("https://api.example.com/", "y.yaml"),
                check("IPv6 literal URL is accepted", SCHEMES + "; ALLOW_ANY by default").meshDefaults().allowed("https://[2001:db8::1]/"),
                check("http:// IP literal is accepted", SCHEMES + "; ALLOW_ANY by default").meshDefaults().allowed("http://192.0.2.1:8080/"),
                check("-o json prints one object with allowed and hops", "DESIGN.md: \"-o json prints one JSON object"
                        + " with at least allowed (boolean) and a hops list\"").meshDefaults().allowed("https://api.example.com/")
                        .outContains("\"allowed\"", "\"hops\"", "\"outcome\"", "\"reason\"", "\"policy\""));
    }

    static Stream<Case> moreCases() {
        return Stream.of(
                check("-n with a name that is not a namespace", USAGE + "; namespaces are DNS-1123 labels")
                        .args("-n", "Bad_NS").file(Yaml.tlsSe("api.example.com")).error("https://api.example.com/"),
                check("-f NS=PATH with a name that is not a namespace", USAGE + "; namespaces are DNS-1123 labels")
                        .file("Bad_NS", Yaml.tlsSe("api.example.com")).error("https://api.example.com/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"cases", "moreCases"})
    void conforms(Case c) throws Exception {
        c.run(dir);
    }
}
