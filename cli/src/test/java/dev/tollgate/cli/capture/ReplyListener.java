package dev.tollgate.cli.capture;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A stand-in run inside a test's network namespace: listens on each {@code address:port:word} it is given (TCP, or
 * UDP when written {@code udp:address:port:word}) and answers every connection or datagram with its word, so the
 * test can tell where it landed. Prints "ready" once all are bound; runs until killed.
 */
public final class ReplyListener {
    private ReplyListener() {
    }

    public static void main(String[] args) throws IOException {
        List<Thread> threads = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith("udp:")) {
                String[] parts = arg.substring(4).split(":");
                DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(parts[0]),
                        Integer.parseInt(parts[1])));
                String word = parts[2];
                threads.add(Thread.ofPlatform().daemon(false).unstarted(() -> answer(socket, word)));
                continue;
            }
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

    private static void answer(DatagramSocket socket, String word) {
        byte[] buffer = new byte[512];
        byte[] reply = (word + "\n").getBytes(StandardCharsets.US_ASCII);
        while (true) {
            try {
                DatagramPacket in = new DatagramPacket(buffer, buffer.length);
                socket.receive(in);
                socket.send(new DatagramPacket(reply, reply.length, in.getSocketAddress()));
            } catch (IOException e) {
                // one client's trouble; keep serving
            }
        }
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
