package dev.tollgate.cli;

import dev.tollgate.core.model.net.HostName;

import dev.tollgate.cli.demo.StandInHost;
import dev.tollgate.identity.MeshCa;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "stand-in", sortOptions = false, mixinStandardHelpOptions = true,
        headerHeading = "%n", header = "Serve a local stand-in for an external host, for tests and demos.",
        description = {
                "Answers every request for HOST with 200 and a short body naming the host (HEAD: headers only), and",
                "421 when the Host header names another host, over HTTP and over HTTPS with a certificate for HOST",
                "issued by the CA in --ca-dir (make one with 'tollgate ca init'; give its ca-cert.pem to the gateway",
                "as --ca-bundle and to curl as --cacert). Point the proxies at it with --connect-to.",
                ""},
        footerHeading = "%nExample:%n",
        footer = {"  tollgate ca init --dir ./public-ca",
                "  tollgate stand-in --host developers.google.com --ca-dir ./public-ca --https 127.0.0.1:9443"})
final class StandInCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--host", required = true, paramLabel = "HOST", description = "The host name to stand in for.")
    String host;

    @Option(names = "--ca-dir", required = true, paramLabel = "DIR", description = "The CA that signs the HTTPS certificate.")
    Path caDir;

    @Option(names = "--https", paramLabel = "ADDR:PORT", defaultValue = "127.0.0.1:9443",
            description = "Where to serve HTTPS (default: ${DEFAULT-VALUE}).")
    String httpsAt;

    @Option(names = "--http", paramLabel = "ADDR:PORT", defaultValue = "127.0.0.1:9080",
            description = "Where to serve plain HTTP (default: ${DEFAULT-VALUE}).")
    String httpAt;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        MeshCa ca = MeshCa.load(caDir);
        String name = HostName.parse(host).value();
        try (StandInHost standIn = StandInHost.start(name, ca.issueServer(List.of(name), Duration.ofDays(1)),
                SidecarCommand.ProxyOptions.address(httpAt, "--http"),
                SidecarCommand.ProxyOptions.address(httpsAt, "--https"))) {
            out.println("stand-in for " + name + ": http://" + standIn.httpAddress().getHostString() + ":"
                    + standIn.httpAddress().getPort() + ", https://" + standIn.httpsAddress().getHostString() + ":"
                    + standIn.httpsAddress().getPort() + " (Ctrl-C to stop)");
            out.flush();
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
        }
        return 0;
    }
}
