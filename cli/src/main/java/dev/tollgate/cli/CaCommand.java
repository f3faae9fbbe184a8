package dev.tollgate.cli;

import dev.tollgate.identity.IssuedCertificate;
import dev.tollgate.identity.MeshCa;
import dev.tollgate.identity.PemFiles;
import dev.tollgate.identity.SpiffeId;
import dev.tollgate.identity.TrustBundle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code tollgate ca}: a mesh certificate authority for development, tests and the demo. */
@Command(name = "ca", mixinStandardHelpOptions = true,
        description = {
                "A mesh certificate authority, as Istio's istiod runs one: it issues each workload a short-lived",
                "certificate whose URI SAN is its SPIFFE identity, spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>.",
                "The egress gateway reads the caller's namespace and principal from that certificate, and",
                "AuthorizationPolicy 'source.namespaces' and 'source.principals' match against them.",
                "",
                "  tollgate ca init --dir ./ca",
                "  tollgate ca issue --dir ./ca --namespace default --service-account sleep --out ./sleep-certs",
                "  tollgate ca inspect ./sleep-certs/cert-chain.pem",
                "",
                "Proxies started with --ca-dir DIR issue and renew their own certificate from this CA. Whoever can",
                "read DIR/ca-key.pem can mint ANY identity of the mesh, so --ca-dir is for development, tests and",
                "the demo only. On Kubernetes, proxies must get their certificate from a control plane that checks",
                "the workload's service account token, as istiod does; Tollgate has none yet."
        },
        subcommands = {CaCommand.Init.class, CaCommand.Issue.class, CaCommand.Inspect.class})
public final class CaCommand implements Runnable {

    static final int ERROR = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = {
                    "Create a new root CA in DIR: ca-key.pem (mode 0600) and ca-cert.pem (an EC P-256 self-signed",
                    "root, valid 10 years, with O=<trust domain>). Refuses to overwrite an existing CA.",
                    "Keep ca-key.pem secret: it can mint any identity of the mesh."
            })
    static final class Init implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Where to create the CA (created if missing, mode 0700).")
        Path dir;

        @Option(names = "--trust-domain", paramLabel = "DOMAIN", defaultValue = MeshCa.DEFAULT_TRUST_DOMAIN,
                description = {"The mesh's trust domain, as meshConfig.trustDomain (default: ${DEFAULT-VALUE}).",
                        "It is the first part of every principal: <trust-domain>/ns/<namespace>/sa/<service-account>."})
        String trustDomain;

        @Override
        public Integer call() {
            return guarded(spec, () -> {
                MeshCa ca = MeshCa.init(dir, trustDomain);
                PrintWriter out = spec.commandLine().getOut();
                out.println("created a CA for trust domain " + ca.trustDomain() + " in " + dir);
                out.println("  " + dir.resolve(MeshCa.CERT_FILE) + "  the root certificate: give it to everything that verifies mesh peers");
                out.println("  " + dir.resolve(MeshCa.KEY_FILE) + "   the root key (mode 0600): keep it secret");
                out.println("root valid until " + ca.rootCertificate().getNotAfter().toInstant());
                return 0;
            });
        }
    }

    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = {
                    "Issue a workload certificate for one namespace and service account, as istiod issues a sidecar's.",
                    "Writes, in --out (created if missing, mode 0700), the files Istio mounts in a proxy:",
                    "  key.pem         the private key (EC P-256, mode 0600)",
                    "  cert-chain.pem  the certificate, then the root",
                    "  root-cert.pem   the root (and any --also-trust roots), to verify peers",
                    "With --dns-name instead, issues a TLS server certificate for host names (e.g. a local",
                    "stand-in for an external host)."
            })
    static final class Issue implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The CA folder made by 'tollgate ca init'.")
        Path dir;

        @Option(names = "--namespace", paramLabel = "NS", description = "The workload's namespace.")
        String namespace;

        @Option(names = "--service-account", paramLabel = "SA", description = "The workload's service account.")
        String serviceAccount;

        @Option(names = "--dns-name", paramLabel = "HOST", description = "Issue a server certificate for HOST instead (repeatable).")
        List<String> dnsNames = new ArrayList<>();

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write key.pem, cert-chain.pem and root-cert.pem.")
        Path out;

        @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "24h",
                description = "Lifetime, e.g. 90m, 24h, 7d (default: ${DEFAULT-VALUE}, Istio's default; at most 365d).")
        String ttl;

        @Option(names = "--force", description = "Replace key.pem and the certificates if --out already has them.")
        boolean force;

        @Option(names = "--also-trust", paramLabel = "FILE",
                description = {"Roots written into root-cert.pem besides the CA's own (repeatable): during a root",
                        "rotation, the other root, so that peers with either root's certificate stay trusted."})
        List<Path> alsoTrust = new ArrayList<>();

        @Override
        public Integer call() {
            return guarded(spec, () -> {
                boolean workload = namespace != null || serviceAccount != null;
                if (workload == !dnsNames.isEmpty() || (workload && (namespace == null || serviceAccount == null))) {
                    throw new IllegalArgumentException("give --namespace and --service-account (a workload certificate), "
                            + "or --dns-name (a server certificate)");
                }
                Duration lifetime = parseDuration(ttl);
                MeshCa ca = MeshCa.load(dir);
                List<X509Certificate> roots = new ArrayList<>(List.of(ca.rootCertificate()));
                for (Path extra : alsoTrust) {
                    for (X509Certificate root : TrustBundle.parseRoots(Files.readString(extra), extra.toString())) {
                        if (!roots.contains(root)) {
                            roots.add(root);
                        }
                    }
                }
                IssuedCertificate issued = workload
                        ? ca.issueWorkload(namespace, serviceAccount, lifetime)
                        : ca.issueServer(dnsNames, lifetime);
                if (!Files.isDirectory(out)) {
                    Files.createDirectories(out, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                }
                Path key = out.resolve("key.pem");
                if (!force && Files.exists(key)) {
                    throw new IllegalArgumentException(key + " exists; use --force to replace it");
                }
                PemFiles.writeCertificates(out.resolve("root-cert.pem"), roots);
                PemFiles.writeCertificates(out.resolve("cert-chain.pem"), issued.chain());
                PemFiles.writePrivateKey(key, issued.key());
                PrintWriter o = spec.commandLine().getOut();
                o.println("issued " + issued.spiffeId().map(SpiffeId::uri).orElse(String.join(", ", dnsNames))
                        + ", valid until " + issued.notAfter());
                o.println("  " + key + " (0600), " + out.resolve("cert-chain.pem") + ", " + out.resolve("root-cert.pem"));
                return 0;
            });
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Print what a PEM certificate file says: subject, SPIFFE identity, DNS names, issuer and validity.")
    static final class Inspect implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "A PEM file with one or more certificates (e.g. cert-chain.pem).")
        Path file;

        @Override
        public Integer call() {
            return guarded(spec, () -> {
                PrintWriter o = spec.commandLine().getOut();
                List<X509Certificate> certificates = PemFiles.readCertificates(file);
                Instant now = Instant.now();
                for (int i = 0; i < certificates.size(); i++) {
                    X509Certificate c = certificates.get(i);
                    if (certificates.size() > 1) {
                        o.println("certificate " + (i + 1) + " of " + certificates.size());
                    }
                    String subject = c.getSubjectX500Principal().getName();
                    o.println("  subject:    " + (subject.isEmpty() ? "(empty: the identity is in the SAN)" : subject));
                    o.println("  spiffe id:  " + SpiffeId.fromCertificate(c).map(SpiffeId::uri).orElse("none"));
                    List<String> dns = dnsNames(c);
                    if (!dns.isEmpty()) {
                        o.println("  dns names:  " + String.join(", ", dns));
                    }
                    o.println("  issuer:     " + c.getIssuerX500Principal().getName());
                    o.println("  ca:         " + (c.getBasicConstraints() >= 0 ? "yes" : "no"));
                    o.println("  notBefore:  " + c.getNotBefore().toInstant());
                    Instant notAfter = c.getNotAfter().toInstant();
                    o.println("  notAfter:   " + notAfter + (now.isAfter(notAfter) ? "  (EXPIRED)" : ""));
                }
                return 0;
            });
        }

        private static List<String> dnsNames(X509Certificate c) {
            try {
                var names = c.getSubjectAlternativeNames();
                return names == null ? List.of() : names.stream()
                        .filter(n -> Integer.valueOf(2).equals(n.get(0))).map(n -> String.valueOf(n.get(1))).toList();
            } catch (CertificateParsingException e) {
                return List.of();
            }
        }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|[smhd])");

    /** {@code 500ms}, {@code 30s}, {@code 90m}, {@code 24h}, {@code 7d}, or ISO-8601 ({@code PT24H}). */
    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(text.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; use e.g. 90m, 24h or 7d");
        }
    }

    interface Action {
        int run() throws IOException;
    }

    /** Every failure becomes one clear line on stderr and exit status 2, never a stack trace. */
    static int guarded(CommandLine.Model.CommandSpec spec, Action action) {
        try {
            return action.run();
        } catch (UncheckedIOException e) {
            IOException cause = e.getCause();
            boolean bare = cause instanceof java.nio.file.NoSuchFileException || cause instanceof java.nio.file.AccessDeniedException;
            return fail(spec, bare ? describe(cause) : e.getMessage());
        } catch (IOException e) {
            return fail(spec, describe(e));
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            return fail(spec, e.getMessage());
        }
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return e.getMessage() + ": no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return e.getMessage() + ": permission denied";
        }
        return String.valueOf(e.getMessage());
    }

    private static int fail(CommandLine.Model.CommandSpec spec, String message) {
        spec.commandLine().getErr().println("tollgate " + spec.qualifiedName(" ").replaceFirst("^tollgate ", "") + ": " + message);
        return ERROR;
    }
}
