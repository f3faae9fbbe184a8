package dev.tollgate.proxy;

import org.slf4j.LoggerFactory;

/**
 * Starts loading the proxies' native libraries (netty-tcnative's BoringSSL, epoll) on another thread. Unpacking,
 * loading and probing them is 0.1-0.2 s of a cold start that depends on nothing else, so a command calls this before
 * it loads the configuration and the identity, and {@link Sidecar#start} / {@link EgressGateway#start} then find them
 * ready (or wait for the rest: class initialisation is done once, by one thread).
 */
public final class NativeWarmUp {

    private NativeWarmUp() {
    }

    public static void start() {
        // Netty logs through SLF4J while it loads: were SLF4J still starting on the caller's thread, those calls
        // would be queued and replayed with a warning on stderr, so it starts first, here
        LoggerFactory.getILoggerFactory();
        Thread.ofPlatform().daemon().name("tollgate-native-warm-up").start(NativeWarmUp::load);
    }

    /** Reading the constants runs the static initialisers that load the libraries. */
    @SuppressWarnings("unused")
    private static void load() {
        var tls = TlsContexts.PROVIDER;
        var epoll = Transport.EPOLL;
    }
}
