#!/usr/bin/env python3
"""Markdown tables from one bench/peers/run.sh result directory: one table per round.

    python3 bench/peers/tables.py OUT_DIR

Throughput rows: the best peer is the highest among the peers that do the same job (HAProxy's keep-alive cell is a
fixed-backend reverse proxy, shown as a reference but never the best peer). Ratios are Tollgate / best peer and
Tollgate / direct. The CPU table gives each subject's own CPU time (user + system, all its processes) per unit of
work in the measured window: the fairer comparison when the load generator's core is the bottleneck.
"""
import csv
import sys
from collections import defaultdict

# row: (label, unit, direct cell, tollgate subjects+workload, peers [(subject, workload, eligible)], higher is better)
ROWS = [
    ("keep-alive HTTP forwarding, 1 KiB, host allow-list", "req/s", ("direct", "ka"),
     [("tollgate", "ka")], [("squid", "ka", True), ("tinyproxy", "ka", True), ("haproxy", "ka", False)], True),
    ("sidecar → gateway (mTLS) → TLS origination, keep-alive", "req/s", None,
     [("tollgate-chain", "chain")], [("squid-chain", "chain", True)], True),
    ("CONNECT + TLS, new connection per request", "conn/s", ("direct", "tls"),
     [("tollgate", "connect")], [("squid", "connect", True), ("tinyproxy", "connect", True)], True),
    ("SNI passthrough, new TLS connection per request", "conn/s", ("direct", "tls"),
     [("tollgate-gw-pt", "pt")], [("haproxy", "pt", True), ("nginx", "pt", True)], True),
    ("mTLS termination + identity rule, new connection per request", "conn/s", ("direct", "tls"),
     [("tollgate-gw-mtls", "mtls")], [("haproxy", "mtls", True), ("nginx", "mtls", True)], True),
    ("SNI passthrough, 1 GiB over TLS", "MB/s", ("direct", "bulk"),
     [("tollgate-gw-pt", "pt_bulk")], [("haproxy", "pt_bulk", True), ("nginx", "pt_bulk", True)], True),
    ("CONNECT tunnel, 1 GiB over TLS", "MB/s", ("direct", "bulk"),
     [("tollgate", "connect_bulk"), ("tollgate-splice", "connect_bulk")],
     [("squid", "connect_bulk", True), ("tinyproxy", "connect_bulk", True)], True),
]
NAMES = {"tollgate": "Tollgate", "tollgate-splice": "Tollgate --splice", "squid": "Squid",
         "tinyproxy": "tinyproxy", "haproxy": "HAProxy", "nginx": "nginx", "squid-chain": "Squid→TLS→Squid",
         "tollgate-chain": "Tollgate", "tollgate-gw-pt": "Tollgate", "tollgate-gw-mtls": "Tollgate",
         "direct": "direct"}


def fmt(v, unit):
    if v is None:
        return "—"
    if unit in ("req/s", "conn/s"):
        return f"{v / 1000:.2f}k" if v >= 1000 else f"{v:.0f}"
    if unit == "ms":
        return f"{v:.2f} ms"
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}"


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "—"


def load(out):
    cells = defaultdict(dict)  # round -> (subject, workload, metric[, detail]) -> row
    with open(f"{out}/results.csv") as f:
        for r in csv.DictReader(f):
            key = (r["subject"], r["workload"], r["metric"])
            cells[r["round"]][key + ((r["detail"],) if r["workload"] == "allowlist" else ())] = r
    return cells


def value(c, subject, workload, metric):
    r = c.get((subject, workload, metric))
    try:
        return float(r["value"]) if r else None
    except ValueError:
        return None


def main(out):
    cells = load(out)
    with open(f"{out}/machine.txt") as f:
        machine = f.read().strip()
    print(f"```\n{machine}\n```\n")
    for rnd in sorted(cells, key=int):
        c = cells[rnd]
        metric = {"req/s": "rate", "conn/s": "rate", "MB/s": "throughput"}
        print(f"### Round {rnd}\n")
        print("| workload | direct | best peer | Tollgate | vs peer | vs direct | every peer |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        cpu_lines = []
        for label, unit, direct, tgs, peers, _ in ROWS:
            m = metric[unit]
            d = value(c, *direct, m) if direct else None
            tg = [(s, value(c, s, w, m)) for s, w in tgs]
            if all(v is None for _, v in tg) and all(value(c, s, w, m) is None for s, w, _ in peers):
                continue
            pv = [(s, value(c, s, w, m), ok) for s, w, ok in peers]
            eligible = [(s, v) for s, v, ok in pv if ok and v is not None]
            best = max(eligible, key=lambda x: x[1]) if eligible else (None, None)
            tg_text = "; ".join(f"{fmt(v, unit)}" + (f" ({NAMES[s]})" if len(tg) > 1 else "") for s, v in tg)
            main_tg = tg[0][1]
            extra = ""
            p99 = c.get((tgs[0][0], tgs[0][1], m))
            if unit == "req/s" and p99 and "p99_us=" in p99["detail"]:
                us = p99["detail"].split("p99_us=")[1].split()[0]
                if us:
                    extra = f", p99 {int(us) / 1000:.1f} ms"
            every = ", ".join(f"{NAMES[s]}{'' if ok else '†'} {fmt(v, unit)}" for s, v, ok in pv)
            best_text = f"{NAMES[best[0]]} {fmt(best[1], unit)}" if best[0] else "—"
            print(f"| {label} ({unit}) | {fmt(d, unit)} | {best_text} | {tg_text}{extra} | "
                  f"{ratio(main_tg, best[1])} | {ratio(main_tg, d)} | {every} |")
            # CPU per unit of work
            per = "ms per 1k" if unit != "MB/s" else "s per GiB"
            row = []
            for s, w in [(x, y) for x, y in tgs] + [(x, y) for x, y, _ in peers] + ([direct] if direct else []):
                r = c.get((s, w, m))
                if not r:
                    continue
                cpu, work = float(r["proxy_cpu_s"] or 0), float(r["work"] or 0)
                if work <= 0:
                    continue
                u = cpu / work * 1e6 if unit != "MB/s" else cpu / (work / 2**30)
                who = NAMES[s] + (" (upstream)" if s == "direct" else "")
                row.append(f"{who} {u:.2f}" if unit == "MB/s" else f"{who} {u:.0f}")
            if row:
                cpu_lines.append(f"| {label} | {per} | " + ", ".join(row) + " |")
        # latency at a fixed rate
        lat = {s: c.get((s, "lat", "p99")) for s in ("direct", "tollgate", "squid", "tinyproxy", "haproxy")}
        if any(lat.values()):
            base = value(c, "direct", "lat", "p99")
            print()
            target = next((r["detail"].split("target_rate=")[1].split()[0] for r in lat.values() if r), "?")
            print(f"Added p99 latency at a fixed {target} req/s (half of Tollgate's keep-alive peak), keep-alive, "
                  f"wrk paced with delay():\n")
            print("| subject | p99 | added vs direct | achieved rate |")
            print("| --- | --- | --- | --- |")
            for s, r in lat.items():
                if not r:
                    continue
                v = float(r["value"])
                added = f"{v - base:+.2f} ms" if base is not None and s != "direct" else "—"
                achieved = r["detail"].split("achieved_rate=")[1].split()[0]
                print(f"| {NAMES[s]}{'†' if s == 'haproxy' else ''} | {v:.2f} ms | {added} | {achieved} req/s |")
        if cpu_lines:
            print("\nEach subject's own CPU time (user + system, all its processes) per unit of work, in the measured "
                  "window (lower is better; direct's is the upstream nginx's):\n")
            print("| workload | unit | CPU |")
            print("| --- | --- | --- |")
            print("\n".join(cpu_lines))
        res = [(s, value(c, s, "start", "idle_rss"), value(c, s, "start", "first_request_ms"))
               for s in NAMES if s != "direct"]
        res = [x for x in res if x[1] is not None]
        if res:
            print("\n| subject (process) | idle RSS | start to first proxied request |")
            print("| --- | --- | --- |")
            label = {"tollgate": "Tollgate sidecar", "tollgate-splice": "Tollgate sidecar --splice",
                     "tollgate-gw-pt": "Tollgate gateway (passthrough)", "tollgate-gw-mtls": "Tollgate gateway (mTLS)",
                     "tollgate-chain": "Tollgate sidecar + gateway", "squid-chain": "Squid + Squid"}
            for s, rss, ms in res:
                print(f"| {label.get(s, NAMES[s])} | {rss:.0f} MiB | {ms / 1000:.2f} s |")
        stalls = []
        for (s, w, *_), r in c.items():
            d = dict(kv.split("=", 1) for kv in r["detail"].split() if "=" in kv)
            retrans, overflows = int(d.get("syn_retrans", 0) or 0), int(d.get("listen_overflows", 0) or 0)
            if retrans or overflows:
                stalls.append(f"{NAMES[s]} {w}: {retrans} SYN retransmits, {overflows} accept-queue overflows")
        if stalls:
            print("\nTCP trouble on the machine during a measured window (system-wide counters; a SYN retransmit "
                  "costs its connection 1 s or more): " + "; ".join(stalls) + ".")
        refused = [r for k, r in c.items() if k[1] == "allowlist"]
        if refused:
            print("\nAllow-list checks (each must not be 200): " + "; ".join(
                f"{NAMES[r['subject']]} {r['detail']}: {r['value']}" for r in refused))
        print("\n† HAProxy's keep-alive cell is a reverse proxy with a Host allow-list and one fixed backend (no "
              "per-request name resolution), a reference rather than a like-for-like forward proxy.\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
