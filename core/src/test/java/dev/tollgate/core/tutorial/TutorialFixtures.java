package dev.tollgate.core.tutorial;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.MeshSettings;
import dev.tollgate.core.model.OutboundMode;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.model.HttpRequestInfo;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundRequest;
import dev.tollgate.core.snapshot.SnapshotCompiler;
import dev.tollgate.core.testing.TestConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The tutorial's actors, requests and fixture files (core/src/test/resources/tutorial). */
final class TutorialFixtures {
    static final String GOOGLE = "developers.google.com";
    static final String YAHOO = "developer.yahoo.com";

    static final WorkloadRef DEFAULT_SLEEP = new WorkloadRef("default", "sleep", Map.of("app", "sleep"));
    static final WorkloadRef OTHERNS_SLEEP = new WorkloadRef("otherns", "sleep", Map.of("app", "sleep"));
    static final WorkloadRef SLEEP_GOOGLE = new WorkloadRef("otherns", "sleep-google", Map.of("app", "sleep-google"));
    static final WorkloadRef SLEEP_YAHOO = new WorkloadRef("otherns", "sleep-yahoo", Map.of("app", "sleep-yahoo"));

    private TutorialFixtures() {
    }

    /** A configuration: mesh mode plus fixture files, each applied in a namespace ("ns=file"), like -f NS=PATH. */
    static MeshSnapshot snapshot(OutboundMode mode, String... nsFiles) {
        TestConfig config = TestConfig.create().mesh(MeshSettings.DEFAULTS.withOutboundMode(mode))
                .apply("default", read("workloads.yaml"));
        for (String nf : nsFiles) {
            int eq = nf.indexOf('=');
            config.apply(nf.substring(0, eq), read(nf.substring(eq + 1)));
        }
        ConfigSet set = config.build();
        return SnapshotCompiler.compile(set);
    }

    static String read(String file) {
        try (InputStream in = TutorialFixtures.class.getResourceAsStream("/tutorial/" + file)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code curl -I https://host}: CONNECT host:443, then TLS with SNI = host. */
    static OutboundRequest https(String host) {
        return OutboundRequest.tls(host, 443);
    }

    /** {@code curl -I http://host/}: a HEAD request through the proxy. */
    static OutboundRequest httpHead(String host) {
        return OutboundRequest.http(host, 80, new HttpRequestInfo("HEAD", host, "/", Map.of()));
    }
}
