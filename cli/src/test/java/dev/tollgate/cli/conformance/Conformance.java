package dev.tollgate.cli.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Black-box conformance cases for {@code tollgate check}: each case is some YAML, a command line and what Istio's
 * documentation says must happen. Only the command line is used (the same entry point as {@code ./tollgate}), so
 * these cases say nothing about how Tollgate is built inside.
 */
final class Conformance {
    static final String[] REGISTRY_ONLY = {"--set", "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY"};
    static final String[] ALLOW_ANY = {"--set", "meshConfig.outboundTrafficPolicy.mode=ALLOW_ANY"};
    private static final ObjectMapper JSON = new ObjectMapper();

    private Conformance() {
    }

    /** What the command printed and returned. */
    record Run(int exitCode, String out, String err) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out + err, e);
            }
        }
    }

    /** Runs the real command line in-process, through the same entry point as the launcher. */
    static Run cli(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl;
        try {
            Class<?> main = Class.forName("dev.tollgate.cli.Main");
            Method m = main.getDeclaredMethod("commandLine");
            m.setAccessible(true);
            cl = (CommandLine) m.invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach the tollgate command line", e);
        }
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    /** A YAML file of the case, placed with {@code -f NS=PATH} when ns is given, else plain {@code -f PATH}. */
    record Fixture(String ns, String yaml) {
    }

    /** A YAML fixture from src/test/resources/conformance. */
    static String resource(String name) {
        try (var in = Conformance.class.getResourceAsStream("/conformance/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + name);
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Case check(String name, String istioSays) {
        return new Case(name, istioSays);
    }

    /** One case: fixtures, arguments, URL and what must come out. */
    static final class Case {
        final String name;
        final String istioSays;
        final List<Fixture> files = new ArrayList<>();
        final List<String> args = new ArrayList<>();
        String from = "default/sleep";
        String url;
        int exit = -1;
        String outcome;
        Optional<String> policy;
        boolean policyChecked;
        final List<String> errContains = new ArrayList<>();
        final List<String> outContains = new ArrayList<>();
        final List<String> outLacks = new ArrayList<>();
        boolean json = true;

        Case(String name, String istioSays) {
            this.name = name;
            this.istioSays = istioSays;
        }

        Case file(String yaml) {
            files.add(new Fixture(null, yaml));
            return this;
        }

        Case file(String ns, String yaml) {
            files.add(new Fixture(ns, yaml));
            return this;
        }

        Case args(String... more) {
            args.addAll(List.of(more));
            return this;
        }

        Case registryOnly() {
            return args(REGISTRY_ONLY);
        }

        Case from(String who) {
            this.from = who;
            return this;
        }

        Case labels(String labels) {
            return args("--labels", labels);
        }

        Case text() {
            this.json = false;
            return this;
        }

        /** Allowed: exit 0, outcome allowed. */
        Case allowed(String target) {
            return expect(target, 0, "allowed");
        }

        /** Refused by the sidecar: exit 1, outcome blocked. */
        Case blocked(String target) {
            return expect(target, 1, "blocked");
        }

        /** Denied by the gateway's authorization: exit 1, outcome denied. */
        Case denied(String target) {
            return expect(target, 1, "denied");
        }

        /** No route (sidecar route, subset, gateway server or gateway route missing): exit 1, outcome no-route. */
        Case noRoute(String target) {
            return expect(target, 1, "no-route");
        }

        /** Refused, whoever refused it (sidecar, gateway server, route): exit 1. */
        Case refused(String target) {
            return expect(target, 1, null);
        }

        /** A usage or configuration error: exit 2. */
        Case error(String target, String... errFragments) {
            expect(target, 2, null);
            errContains.addAll(List.of(errFragments));
            return this;
        }

        /**
         * A configuration with no Istio resource and no mesh setting, so Istio's defaults decide: a Namespace. No
         * configuration at all is an error since issue 10, never a silent ALLOW_ANY.
         */
        Case meshDefaults() {
            return file("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n");
        }

        /** Standard error must also hold these fragments, e.g. a warning beside the decision. */
        Case warns(String... errFragments) {
            errContains.addAll(List.of(errFragments));
            return this;
        }

        private Case expect(String target, int code, String outcome) {
            this.url = target;
            this.exit = code;
            this.outcome = outcome;
            return this;
        }

        Case policy(String id) {
            this.policy = Optional.ofNullable(id);
            this.policyChecked = true;
            return this;
        }

        Case outContains(String... fragments) {
            outContains.addAll(List.of(fragments));
            return this;
        }

        Case outLacks(String... fragments) {
            outLacks.addAll(List.of(fragments));
            return this;
        }

        List<String> commandLine(Path dir) throws IOException {
            List<String> cmd = new ArrayList<>(List.of("check"));
            int i = 0;
            for (Fixture f : files) {
                Path p = dir.resolve("f" + (i++) + ".yaml");
                Files.writeString(p, f.yaml());
                cmd.add("-f");
                cmd.add(f.ns() == null ? p.toString() : f.ns() + "=" + p);
            }
            cmd.addAll(args);
            if (from != null) {
                cmd.add("--from");
                cmd.add(from);
            }
            if (json && exit != 2) {
                cmd.add("-o");
                cmd.add("json");
            }
            if (url != null) {
                cmd.add(url);
            }
            return cmd;
        }

        void run(Path dir) throws IOException {
            List<String> cmd = commandLine(dir);
            Run r = cli(cmd);
            String context = name + "\n  istio: " + istioSays + "\n  cmd: " + String.join(" ", cmd)
                    + "\n  exit: " + r.exitCode() + "\n  out: " + r.out() + "\n  err: " + r.err();
            assertThat(r.exitCode()).as(context).isEqualTo(exit);
            assertThat(r.err()).as(context).doesNotContain("internal error");
            for (String s : errContains) {
                assertThat(r.err()).as(context).contains(s);
            }
            if (exit == 2) {
                return;
            }
            if (json) {
                JsonNode j = r.json();
                assertThat(j.get("allowed").asBoolean()).as(context).isEqualTo(exit == 0);
                assertThat(j.get("hops").isArray()).as(context).isTrue();
                if (outcome != null) {
                    assertThat(j.get("outcome").asText()).as(context).isEqualTo(outcome);
                }
                if (policyChecked) {
                    if (policy.isPresent()) {
                        assertThat(j.get("policy").asText()).as(context).isEqualTo(policy.get());
                    } else {
                        assertThat(j.get("policy").isNull()).as(context).isTrue();
                    }
                }
            }
            for (String s : outContains) {
                assertThat(r.out()).as(context).contains(s);
            }
            for (String s : outLacks) {
                assertThat(r.out()).as(context).doesNotContain(s);
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
