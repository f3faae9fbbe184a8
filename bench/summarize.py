#!/usr/bin/env python3
"""Prints the medians (SampleTime p50) and single-shot medians of one or more bench/run-benchmarks.sh result dirs."""
import json
import pathlib
import sys


def rows(path):
    for r in json.loads(path.read_text()):
        name = r["benchmark"].rsplit(".", 2)
        params = ",".join(f"{k}={v}" for k, v in sorted(r.get("params", {}).items())
                          if k in ("size", "gatewayHosts", "gatewayPolicies"))
        m = r["primaryMetric"]
        pct = m.get("scorePercentiles", {})
        if r["mode"] == "sample":
            yield f"{name[-2]}.{name[-1]}", params, pct.get("50.0"), pct.get("90.0"), m["scoreUnit"]
        else:
            raw = sorted(x for fork in m["rawData"] for x in fork)
            yield f"{name[-2]}.{name[-1]}", params, raw[len(raw) // 2], raw[-1], m["scoreUnit"]


for d in sys.argv[1:]:
    out = pathlib.Path(d)
    print(f"== {out}")
    print((out / "machine.txt").read_text().strip())
    for f in sorted(out.glob("*.json")):
        for name, params, p50, hi, unit in rows(f):
            print(f"{name:42s} {params:34s} median {p50:12.1f}  (p90/max {hi:12.1f}) {unit}")
    fp = out / "footprint.txt"
    if fp.exists():
        print(fp.read_text().strip())
