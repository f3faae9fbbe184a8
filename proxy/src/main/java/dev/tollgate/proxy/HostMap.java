package dev.tollgate.proxy;

import dev.tollgate.core.model.net.IpAddress;
import dev.tollgate.core.model.net.HostName;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Where a proxy connects for a host and port: curl's {@code --resolve} and {@code --connect-to} maps, then the
 * addresses an {@code Upstream} carries, then DNS, resolved once; the connection goes to the address resolved and the
 * name is never resolved again for it.
 *
 * <p>Forms accepted, as curl takes them:
 * <ul>
 *   <li>{@code --resolve [+]HOST:PORT:ADDR[,ADDR]...}; HOST may be {@code *} (any host), an address may be written
 *       {@code [::1]}. Addresses must be numeric, as with curl.</li>
 *   <li>{@code --connect-to HOST1:PORT1:HOST2:PORT2}; an empty HOST1 or PORT1 matches any, an empty HOST2 or PORT2
 *       keeps the original. The first matching entry wins. HOST2 is then looked up like any name (the
 *       {@code --resolve} entries first).</li>
 * </ul>
 * Addresses the operator gives (these flags, {@code Upstream.addresses}) are marked {@link Resolved#explicit()};
 * answers from DNS (also for names the operator gave: a flag's HOST2, an endpoint's host name) and addresses the
 * client wrote itself are not, so the {@link AddressGuard} checks them. A name that ends in a number but is no plain
 * literal ({@code 2130706433}, {@code 0x7f.1}) is never handed to the resolver, which would read it as an address.
 */
public final class HostMap {
    private static final Resolver SYSTEM_RESOLVER = InetAddress::getAllByName;
    public static final HostMap EMPTY = new HostMap(List.of(), List.of(), SYSTEM_RESOLVER);

    /** DNS lookups block, so they run on virtual threads, never on an event loop. */
    private static final ExecutorService DNS = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("tollgate-dns-", 0).factory());

    /**
     * How long a DNS answer is reused without asking again. The JDK caches positive answers for 30 s itself
     * ({@code networkaddress.cache.ttl}), so this adds no staleness beyond it; what it saves is the hand-off to a
     * virtual thread and back for every request to a name (issue 6 section 4). 10 s keeps a moved host reachable
     * soon after the JDK's own cache lets go.
     */
    static final long DNS_TTL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    /** Names kept; beyond that, expired answers are dropped, then all (cheap to refill, and bounds what a client can fill). */
    static final int DNS_CACHE_MAX = 4096;

    private final List<ResolveEntry> resolves;
    private final List<ConnectTo> connectTos;
    private final Resolver resolver;

    /** Where DNS answers come from: the system resolver, or a stand-in in tests (no real DNS there). */
    @FunctionalInterface
    public interface Resolver {
        /** @return the addresses for {@code name}, best first; never empty */
        InetAddress[] lookup(String name) throws UnknownHostException;
    }

    private final java.util.concurrent.ConcurrentHashMap<String, Answer> answers =
            new java.util.concurrent.ConcurrentHashMap<>();

    private record Answer(InetAddress address, long expires) {
    }

    private record ResolveEntry(String host, int port, List<InetAddress> addresses) {
    }

    private record ConnectTo(Optional<String> fromHost, Optional<Integer> fromPort, Optional<String> toHost,
                             Optional<Integer> toPort) {
    }

    /**
     * The address a connection goes to.
     *
     * @param explicit true when the operator gave it (a flag, ServiceEntry addresses), false for DNS answers and
     *                 literal addresses the client asked for
     * @param via      how it was found: {@code --resolve}, {@code --connect-to}, {@code endpoints}, {@code literal},
     *                 {@code dns}
     */
    public record Resolved(InetSocketAddress address, boolean explicit, String via) {
    }

    private HostMap(List<ResolveEntry> resolves, List<ConnectTo> connectTos, Resolver resolver) {
        this.resolves = List.copyOf(resolves);
        this.connectTos = List.copyOf(connectTos);
        this.resolver = resolver;
    }

    /** The same maps, with DNS answers from {@code r}. */
    public HostMap withResolver(Resolver r) {
        return new HostMap(resolves, connectTos, java.util.Objects.requireNonNull(r, "resolver"));
    }

    /** @throws IllegalArgumentException naming the flag and entry that is malformed */
    public static HostMap parse(List<String> resolve, List<String> connectTo) {
        List<ResolveEntry> r = new ArrayList<>();
        for (String s : resolve) {
            r.add(parseResolve(s));
        }
        List<ConnectTo> c = new ArrayList<>();
        for (String s : connectTo) {
            c.add(parseConnectTo(s));
        }
        return new HostMap(r, c, SYSTEM_RESOLVER);
    }

    /**
     * A host as the maps key it: an IP literal by the address a connection to it reaches (parsed as an
     * {@link IpAddress}, an IPv4-mapped one as the IPv4 address it embeds, see {@link #literal}), in canonical text,
     * so that {@code 10.0.0.1}, {@code [::ffff:10.0.0.1]} and {@code ::FFFF:a00:1} are one key, as are
     * {@code 2001:db8::1} and {@code 2001:DB8:0::1}; a name {@link HostName#fold}ed.
     */
    private static String key(String host) {
        return literal(host).map(a -> IpAddress.ofBytes(a.getAddress()).toString())
                .orElseGet(() -> HostName.fold(host.startsWith("[") && host.endsWith("]")
                        ? host.substring(1, host.length() - 1) : host));
    }

    private static ResolveEntry parseResolve(String arg) {
        String s = arg.startsWith("+") ? arg.substring(1) : arg;
        if (s.startsWith("-")) {
            throw new IllegalArgumentException("--resolve " + arg + ": removing entries is not supported");
        }
        List<String> parts = splitColons(s, 3);
        if (parts.size() != 3 || parts.get(0).isEmpty() || parts.get(2).isEmpty()) {
            throw new IllegalArgumentException("--resolve " + arg + ": expected HOST:PORT:ADDR[,ADDR]...");
        }
        int port = port(parts.get(1), "--resolve " + arg);
        List<InetAddress> addresses = new ArrayList<>();
        for (String a : parts.get(2).split(",")) {
            addresses.add(literal(a.trim()).orElseThrow(() -> new IllegalArgumentException(
                    "--resolve " + arg + ": '" + a + "' is not a numeric address")));
        }
        return new ResolveEntry(key(parts.get(0)), port, addresses);
    }

    private static ConnectTo parseConnectTo(String arg) {
        List<String> parts = splitColons(arg, 4);
        if (parts.size() != 4) {
            throw new IllegalArgumentException("--connect-to " + arg + ": expected HOST1:PORT1:HOST2:PORT2");
        }
        String where = "--connect-to " + arg;
        return new ConnectTo(
                parts.get(0).isEmpty() ? Optional.empty() : Optional.of(key(parts.get(0))),
                parts.get(1).isEmpty() ? Optional.empty() : Optional.of(port(parts.get(1), where)),
                parts.get(2).isEmpty() ? Optional.empty() : Optional.of(key(parts.get(2))),
                parts.get(3).isEmpty() ? Optional.empty() : Optional.of(port(parts.get(3), where)));
    }

    /** Splits on ':' outside brackets into at most {@code limit} parts (the last keeps its colons). */
    private static List<String> splitColons(String s, int limit) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        boolean bracket = false;
        for (int i = 0; i < s.length() && parts.size() < limit - 1; i++) {
            char ch = s.charAt(i);
            if (ch == '[') {
                bracket = true;
            } else if (ch == ']') {
                bracket = false;
            } else if (ch == ':' && !bracket) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    private static int port(String s, String where) {
        try {
            int p = Integer.parseInt(s);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(where + ": '" + s + "' is not a port (1-65535)");
    }

    /**
     * A numeric IPv4/IPv6 address, by the one rule the configuration and the core use ({@link IpAddress}: no
     * inet_aton forms, no leading zeros, ASCII digits only, no zone), never with a lookup; an IPv6 address may be
     * written in brackets, as in a URL or {@code --resolve}. An IPv4-mapped {@code ::ffff:a.b.c.d} becomes the IPv4
     * address it embeds (Java's {@code InetAddress.getByAddress} does so): that is where a connection to it goes,
     * and what the {@link AddressGuard} judges.
     */
    static Optional<InetAddress> literal(String s) {
        String h = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        return IpAddress.parse(h).map(HostMap::inet);
    }

    /** The model's address as a socket address, bytes to bytes: no name, no lookup. */
    static InetAddress inet(IpAddress a) {
        try {
            return InetAddress.getByAddress(a.bytes());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an IpAddress has 4 or 16 bytes", e);
        }
    }

    /**
     * Resolves where a connection for {@code host:port} goes. Completes on {@code executor} (the caller's event loop);
     * DNS runs elsewhere.
     *
     * @param upstreamAddresses addresses the configuration gave for the host (trusted)
     */
    public Future<Resolved> resolve(String host, int port, List<String> upstreamAddresses, EventExecutor executor) {
        Promise<Resolved> promise = executor.newPromise();
        String name = key(host);
        int targetPort = port;
        boolean mapped = false;
        // the operator named the host (a --connect-to HOST2); one that keeps the client's host does not vouch for it
        boolean operatorHost = false;
        for (ConnectTo c : connectTos) {
            if (c.fromHost.map(name::equals).orElse(true) && c.fromPort.map(p -> p == port).orElse(true)) {
                name = c.toHost.orElse(name);
                targetPort = c.toPort.orElse(port);
                mapped = true;
                operatorHost = c.toHost.isPresent();
                break;
            }
        }
        if (!mapped && !upstreamAddresses.isEmpty()) {
            String first = upstreamAddresses.get(0);
            Optional<InetAddress> lit = literal(first);
            if (lit.isPresent()) {
                return promise.setSuccess(new Resolved(new InetSocketAddress(lit.get(), targetPort), true, "endpoints"));
            }
            name = key(first);
            mapped = true;
        }
        for (ResolveEntry r : resolves) {
            if ((r.host.equals(name) || r.host.equals("*")) && r.port == targetPort) {
                return promise.setSuccess(new Resolved(new InetSocketAddress(r.addresses.get(0), targetPort), true,
                        "--resolve"));
            }
        }
        Optional<InetAddress> lit = literal(name);
        if (lit.isPresent()) {
            return promise.setSuccess(new Resolved(new InetSocketAddress(lit.get(), targetPort), operatorHost,
                    operatorHost ? "--connect-to" : "literal"));
        }
        // no DNS name has a ':'; Java's resolver would read "fe80::1%eth0" as an address with a scope
        if (HostName.endsInNumber(name) || name.indexOf(':') >= 0) {
            return promise.setFailure(AddressGuard.numericHost(name));
        }
        String lookup = name;
        int p = targetPort;
        // a name resolved moments ago is answered at once, as the lookup below would answer it
        Answer cached = answers.get(lookup);
        if (cached != null && cached.expires - System.nanoTime() > 0) {
            return promise.setSuccess(new Resolved(new InetSocketAddress(cached.address, p), false, "dns"));
        }
        DNS.execute(() -> {
            try {
                InetAddress a = resolver.lookup(lookup)[0];
                remember(lookup, a);
                promise.trySuccess(new Resolved(new InetSocketAddress(a, p), false, "dns"));
            } catch (UnknownHostException e) {
                promise.tryFailure(new UnknownHostException("cannot resolve " + lookup));
            } catch (RuntimeException e) {
                promise.tryFailure(e);
            }
        });
        return promise;
    }

    private void remember(String name, InetAddress address) {
        if (answers.size() >= DNS_CACHE_MAX) {
            long now = System.nanoTime();
            answers.values().removeIf(a -> a.expires - now <= 0);
            if (answers.size() >= DNS_CACHE_MAX) {
                answers.clear();
            }
        }
        answers.put(name, new Answer(address, System.nanoTime() + DNS_TTL_NANOS));
    }
}
