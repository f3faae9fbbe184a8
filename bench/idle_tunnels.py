#!/usr/bin/env python3
"""How much memory a Tollgate sidecar holds for N idle CONNECT tunnels (issue 6: 10,000 within 512 MB RSS).

    bench/idle_tunnels.py [N]        (default 10000; needs root for ulimit -n, only 127.0.0.1 is used)

It starts a TLS upstream (this process, asyncio), a sidecar through ./tollgate with REGISTRY_ONLY and one
ServiceEntry, then opens N tunnels: CONNECT, 200, a real TLS handshake with the upstream through the tunnel (the
sidecar checks the ClientHello's SNI), then nothing. It prints the sidecar's RSS before and after, per tunnel.
Everything it made lives in a temp dir, removed at the end.
"""
import asyncio
import os
import resource
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "idle.bench.test"


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def main(n):
    work = tempfile.mkdtemp(prefix="tollgate-idle-")
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", f"{work}/key.pem", "-out", f"{work}/cert.pem", "-days", "1",
                        "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}"],
                       check=True, capture_output=True)
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(f"{work}/cert.pem", f"{work}/key.pem")
        held = []

        async def hold(reader, writer):
            held.append(writer)
            try:
                await reader.read()  # until the tunnel closes
            except (asyncio.CancelledError, ConnectionError, ssl.SSLError):
                pass  # the run is over

        upstream = await asyncio.start_server(hold, "127.0.0.1", 0, ssl=server_ctx, backlog=4096)
        up_port = upstream.sockets[0].getsockname()[1]
        with open(f"{work}/se.yaml", "w") as f:
            f.write(f"""apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: idle, namespace: default}}
spec:
  hosts: [{HOST}]
  ports: [{{number: 443, name: tls, protocol: TLS}}]
  resolution: DNS
""")
        subprocess.run([f"{ROOT}/tollgate", "ca", "init", "--dir", f"{work}/ca"], check=True, capture_output=True)
        proxy_port = 30000 + os.getpid() % 20000
        sidecar = subprocess.Popen(
            [f"{ROOT}/tollgate", "sidecar", "--namespace", "default", "--service-account", "bench", "-f",
             f"{work}/se.yaml", "--set", "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY", "--ca-dir",
             f"{work}/ca", "--listen", f"127.0.0.1:{proxy_port}", "--connect-to",
             f"{HOST}:443:127.0.0.1:{up_port}", "--access-log", "text"],
            stdout=subprocess.DEVNULL, stderr=open(f"{work}/sidecar.log", "w"), start_new_session=True)
        try:
            for _ in range(600):
                try:
                    r, w = await asyncio.open_connection("127.0.0.1", proxy_port)
                    w.close()
                    break
                except OSError:
                    await asyncio.sleep(0.1)
            client_ctx = ssl.create_default_context(cafile=f"{work}/cert.pem")
            tunnels = []

            async def tunnel():
                r, w = await asyncio.open_connection("127.0.0.1", proxy_port)
                w.write(f"CONNECT {HOST}:443 HTTP/1.1\r\nHost: {HOST}:443\r\n\r\n".encode())
                status = await r.readuntil(b"\r\n\r\n")
                if not status.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(status.decode(errors="replace"))
                await w.start_tls(client_ctx, server_hostname=HOST)
                tunnels.append(w)

            await asyncio.sleep(2)
            before = rss_mib(sidecar.pid)
            started = time.monotonic()
            sem = asyncio.Semaphore(64)

            async def limited():
                async with sem:
                    await tunnel()

            results = await asyncio.gather(*(limited() for _ in range(n)), return_exceptions=True)
            failed = [e for e in results if isinstance(e, BaseException)]
            opened = time.monotonic() - started
            await asyncio.sleep(5)  # let the proxy settle, then read what it holds
            after = rss_mib(sidecar.pid)
            up = len(held)
            print(f"tunnels: {len(tunnels)} open ({len(failed)} failed"
                  f"{': ' + repr(failed[0]) if failed else ''}), upstream holds {up}, opened in {opened:.1f} s")
            print(f"sidecar RSS: {before:.0f} MiB before, {after:.0f} MiB with the tunnels idle; "
                  f"{(after - before) * 1024 / max(1, len(tunnels)):.1f} KiB per tunnel")
            ok = not failed and after <= 512
            print("PASS" if ok else "OVER" if not failed else "INCOMPLETE",
                  f"({len(tunnels)} idle tunnels within 512 MB RSS: {after:.0f} MiB)")
            for w in tunnels:
                w.close()
            return 0 if not failed else 1
        finally:
            os.killpg(sidecar.pid, signal.SIGTERM)
            try:
                sidecar.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(sidecar.pid, signal.SIGKILL)
            upstream.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    # each tunnel is two descriptors here (client, upstream) and two in the sidecar, which inherits the limit
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 2 * count + 4096 if hard == resource.RLIM_INFINITY else min(2 * count + 4096, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if 2 * count + 1024 > want:
        print(f"note: ulimit -n allows {want} descriptors here; the sidecar needs two per tunnel plus its reserve, "
              f"so ask for fewer tunnels (at most about {(want - 1024) // 2 - 500})", file=sys.stderr)
    sys.exit(asyncio.run(main(count)))
