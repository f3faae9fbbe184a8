#!/usr/bin/env python3
"""New-connection-per-request TLS load: connect, (optionally CONNECT through a proxy), one full TLS handshake
(no session resumption), one GET, read the response to its end, close. Prints one JSON object.

Neither wrk nor h2load can do this through an explicit proxy, or with a client certificate, so the harness uses
this for every per-connection TLS cell (direct, CONNECT, SNI passthrough, mTLS termination): the client side
costs the same in every cell of a row, whatever the subject.

Workers are processes (the GIL would serialise threads); each runs a closed loop until the deadline.
"""
import argparse
import json
import multiprocessing as mp
import os
import socket
import ssl
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--target", required=True, help="HOST:PORT to connect to (the proxy, router or upstream)")
    p.add_argument("--connect", help="send 'CONNECT HOST:PORT' first (explicit proxy); TLS starts after its 200")
    p.add_argument("--sni", required=True, help="TLS server name, also the Host header")
    p.add_argument("--path", default="/1k")
    p.add_argument("--cafile", required=True, help="roots that verify the server")
    p.add_argument("--no-verify-name", action="store_true",
                   help="verify the chain but not the name (mesh certificates carry a SPIFFE URI, no DNS name)")
    p.add_argument("--cert", help="client certificate chain (mTLS)")
    p.add_argument("--key", help="client key (mTLS)")
    p.add_argument("--duration", type=float, default=10.0, help="seconds")
    p.add_argument("--concurrency", type=int, default=8, help="worker processes, one connection each at a time")
    p.add_argument("--expect", type=int, default=200, help="HTTP status that counts as success")
    return p.parse_args(argv)


def hostport(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


def context(a):
    ctx = ssl.create_default_context(cafile=a.cafile)
    if a.no_verify_name:
        ctx.check_hostname = False
    if a.cert:
        ctx.load_cert_chain(a.cert, a.key)
    # One full handshake per connection: no tickets, no session cache.
    ctx.options |= ssl.OP_NO_TICKET
    return ctx


def read_head(sock):
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("proxy closed before answering CONNECT")
        buf += chunk
    return buf


def one(a, ctx, target, request):
    t0 = time.perf_counter()
    raw = socket.create_connection(target, timeout=10)
    try:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if a.connect:
            raw.sendall(("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (a.connect, a.connect)).encode())
            head = read_head(raw)
            status = int(head.split(b" ", 2)[1])
            if status != 200:
                raise ConnectionError("CONNECT answered %d" % status)
        tls = ctx.wrap_socket(raw, server_hostname=a.sni)
        tls.sendall(request)
        data = b""
        while True:
            chunk = tls.recv(65536)
            if not chunk:
                break
            data += chunk
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
        if status != a.expect:
            raise ConnectionError("answered %d" % status)
        tls.close()
        return time.perf_counter() - t0, len(data)
    finally:
        raw.close()


def worker(a, deadline, out):
    ctx = context(a)
    target = hostport(a.target)
    request = ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (a.path, a.sni)).encode()
    ok = errors = nbytes = 0
    lat = []
    first_error = None
    while time.monotonic() < deadline:
        try:
            seconds, n = one(a, ctx, target, request)
            ok += 1
            nbytes += n
            lat.append(seconds)
        except (OSError, ValueError, IndexError) as e:
            errors += 1
            if first_error is None:
                first_error = "%s: %s" % (type(e).__name__, e)
            time.sleep(0.01)
    out.put({"ok": ok, "errors": errors, "bytes": nbytes, "lat": lat, "first_error": first_error})


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    i = min(len(sorted_values) - 1, int(q * len(sorted_values)))
    return sorted_values[i]


def main(argv):
    a = parse_args(argv)
    out = mp.Queue()
    start = time.monotonic()
    deadline = start + a.duration
    procs = [mp.Process(target=worker, args=(a, deadline, out)) for _ in range(a.concurrency)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - start
    lat = sorted(x for r in results for x in r["lat"])
    ok = sum(r["ok"] for r in results)
    summary = {
        "ok": ok,
        "errors": sum(r["errors"] for r in results),
        "seconds": round(elapsed, 3),
        "rate": round(ok / elapsed, 1),
        "bytes": sum(r["bytes"] for r in results),
        "p50_ms": round(percentile(lat, 0.50) * 1000, 3) if lat else None,
        "p99_ms": round(percentile(lat, 0.99) * 1000, 3) if lat else None,
        "first_error": next((r["first_error"] for r in results if r["first_error"]), None),
    }
    print(json.dumps(summary))
    return 0 if ok > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
