package dev.tollgate.cli.capture;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A stand-in run inside a test's network namespace: listens on each {@code address:port:word} it is given and
 * answers every connection with its word, so the test can tell where a connection landed. Prints "ready" once all
 * are bound; runs until killed.
 */
public final class ReplyListener {
    private ReplyListener() {
    }

    public static void main(String[] args) throws IOException {
        List<Thread> threads = new ArrayList<>();
        for (String arg : args) {
            String[] parts = arg.split(":");
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getByName(parts[0]), Integer.parseInt(parts[1])));
            String word = parts[2];
            threads.add(Thread.ofPlatform().daemon(false).unstarted(() -> serve(server, word)));
        }
        threads.forEach(Thread::start);
        System.out.println("ready");
        System.out.flush();
    }

    private static void serve(ServerSocket server, String word) {
        while (true) {
            try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                out.write((word + "\n").getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // one client's trouble; keep serving
            }
        }
    }
}
