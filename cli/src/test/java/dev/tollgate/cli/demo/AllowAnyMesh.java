package dev.tollgate.cli.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A stand-in for the real proxies that lets every CONNECT through to the stand-in hosts, as ALLOW_ANY sidecars
 * would, whatever the configuration says. Enough to run the demo's plumbing (stand-ins, curl, CA, report) for real.
 */
final class AllowAnyMesh implements DemoMesh {

    private final DemoSetup setup;
    private final ServerSocket server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "allow-any-mesh");
        t.setDaemon(true);
        return t;
    });
    final List<String> calls = new ArrayList<>();

    AllowAnyMesh(DemoSetup setup) throws IOException {
        this.setup = setup;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        executor.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    executor.execute(() -> tunnel(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    @Override
    public InetSocketAddress sidecar(DemoWorkload workload) {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    @Override
    public synchronized void awaitConfiguration(Duration timeout) {
        calls.add("await");
    }

    @Override
    public Optional<String> gatewayDenial(DemoWorkload from, String host) {
        return Optional.empty();
    }

    private void tunnel(Socket client) {
        try (client) {
            String[] line = JavaProbe.readHead(client.getInputStream()).split("\r\n", 2)[0].split(" ");
            OutputStream out = client.getOutputStream();
            if (line.length < 3 || !line[0].equals("CONNECT")) {
                out.write("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            String host = line[1].substring(0, line[1].lastIndexOf(':'));
            StandInHost standIn = setup.standIns().get(host);
            try (Socket upstream = new Socket(standIn.httpsAddress().getAddress(), standIn.httpsAddress().getPort())) {
                out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                executor.execute(() -> pump(upstream, client));
                pump(client, upstream);
            }
        } catch (IOException ignored) {
            // the client sees the failure
        }
    }

    private static void pump(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            in.transferTo(out);
            to.shutdownOutput();
        } catch (IOException ignored) {
            // one side closed
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        executor.shutdownNow();
    }
}
