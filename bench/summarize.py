#!/usr/bin/env python3
"""Medians of bench/run-benchmarks.sh result dirs.

  python3 bench/summarize.py DIR [DIR...]

For SampleTime benchmarks the figure is the run's p50 (all calls timed); for single shots, the median shot. With
several dirs, one line per measure gives each run's figure, so the spread between runs is visible.
"""
import json
import pathlib
import sys
from collections import OrderedDict


def rows(path):
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return  # a run still in progress
    for r in data:
        name = ".".join(r["benchmark"].rsplit(".", 2)[-2:])
        params = ",".join(f"{k}={v}" for k, v in sorted(r.get("params", {}).items())
                          if k in ("size", "gatewayHosts", "gatewayPolicies"))
        m = r["primaryMetric"]
        if r["mode"] == "sample":
            pct = m.get("scorePercentiles", {})
            yield name, params, pct.get("50.0"), pct.get("90.0"), m["scoreUnit"]
        else:
            raw = sorted(x for fork in m["rawData"] for x in fork)
            yield name, params, raw[len(raw) // 2], raw[-1], m["scoreUnit"]


table = OrderedDict()
for d in sys.argv[1:]:
    out = pathlib.Path(d)
    print(f"== {out}")
    print((out / "machine.txt").read_text().strip())
    for f in sorted(out.glob("*.json")):
        for name, params, p50, hi, unit in rows(f):
            table.setdefault((f.stem, name, params, unit), []).append((p50, hi))
    fp = out / "footprint.txt"
    if fp.exists():
        print(fp.read_text().strip())
print()
print(f"{'measure':40s} {'params':42s} median per run (p90, or max shot)")
for (stem, name, params, unit), runs in table.items():
    figs = "  ".join(f"{p50:10.1f} ({hi:.0f})" for p50, hi in runs)
    print(f"{name:40s} {params:42s} {figs}  {unit}")

if len(sys.argv) > 2:
    import statistics
    print()
    print("| measure | params | median of the runs' medians | range over runs | unit |")
    print("| --- | --- | ---: | --- | --- |")
    for (stem, name, params, unit), runs in table.items():
        meds = [p for p, _ in runs]
        print(f"| {name} | {params} | {statistics.median(meds):.1f} | {min(meds):.1f} - {max(meds):.1f} "
              f"({len(meds)} runs) | {unit} |")
