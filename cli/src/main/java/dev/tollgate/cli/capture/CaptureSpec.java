package dev.tollgate.cli.capture;

import dev.tollgate.core.model.net.IpPrefix;

import java.util.List;

/**
 * What the capture rules redirect and what they leave alone: the already-validated values of the flags.
 *
 * @param capturePort  where the sidecar's capture listener accepts redirected connections
 * @param proxyUids    the sidecar's own sockets, by owner uid, are never captured (else it would capture itself)
 * @param proxyGids    the same by owner gid
 * @param proxyMarks   the same by socket mark (SO_MARK), never 0: every unmarked packet carries 0
 * @param excludePorts destination ports that go out directly
 * @param excludeCidrs destinations that go out directly (IPv4 and IPv6)
 * @param includeCidrs when not empty, only these destinations are captured; empty means all
 */
public record CaptureSpec(int capturePort, List<Long> proxyUids, List<Long> proxyGids, List<Long> proxyMarks,
                          List<PortRange> excludePorts, List<IpPrefix> excludeCidrs, List<IpPrefix> includeCidrs) {
    /** Istio's outbound capture port (istio-iptables' PROXY_PORT). */
    public static final int DEFAULT_CAPTURE_PORT = 15001;
    /** Istio's proxy uid (istio-iptables' DefaultProxyUID); its gid defaults to the same. */
    public static final long DEFAULT_PROXY_UID = 1337;
    /** The kernel's uid_t is 32 bits and (uid_t) -1 means "no uid". */
    public static final long MAX_ID = 0xfffffffeL;
    public static final long MAX_MARK = 0xffffffffL;

    public CaptureSpec {
        PortRange.of(capturePort);
        proxyUids = List.copyOf(proxyUids);
        proxyGids = List.copyOf(proxyGids);
        proxyMarks = List.copyOf(proxyMarks);
        excludePorts = List.copyOf(excludePorts);
        excludeCidrs = List.copyOf(excludeCidrs);
        includeCidrs = List.copyOf(includeCidrs);
        for (List<Long> ids : List.of(proxyUids, proxyGids)) {
            if (ids.stream().anyMatch(id -> id < 0 || id > MAX_ID)) {
                throw new IllegalArgumentException("a uid or gid is within 0-" + MAX_ID);
            }
        }
        if (proxyMarks.stream().anyMatch(m -> m < 1 || m > MAX_MARK)) {
            throw new IllegalArgumentException("a socket mark is within 1-" + MAX_MARK);
        }
        if (proxyUids.isEmpty() && proxyGids.isEmpty() && proxyMarks.isEmpty()) {
            throw new IllegalArgumentException("without a proxy uid, gid or mark the sidecar would capture itself");
        }
        if (proxyMarks.contains(0L)) {
            throw new IllegalArgumentException("a proxy mark of 0 would exclude every unmarked packet");
        }
        if (excludeCidrs.stream().anyMatch(p -> p.bits() == 0)) {
            throw new IllegalArgumentException("excluding a whole address family would capture none of it");
        }
    }
}
