#!/usr/bin/env bash
# Reproduces the numbers of docs/benchmarks.md: builds bench/target/benchmarks.jar, runs every measurement once
# (run it twice, or pass a second directory, to see the spread), and prints the medians.
#   bench/run-benchmarks.sh [RESULTS_DIR]        (default bench/target/results/<UTC time>)
# Needs JDK 21+ (JAVA_HOME; default the Temurin 25 of the dev machine). Takes about 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
OUT=${1:-bench/target/results/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
mvn -B -q -o -pl bench -am package -DskipTests
JAVA="$JAVA_HOME/bin/java"
JMH=("$JAVA" -jar bench/target/benchmarks.jar)
SAMPLE=(-f 1 -wi 3 -w 1 -i 5 -r 1)
{ date -u; nproc; free -m | sed -n 2p; uptime; "$JAVA" -version 2>&1 | head -1; } > "$OUT/machine.txt"

# target size: 10,000 ServiceEntries, 10,000 policies, 1,000 namespaces, 1,000 hosts through the gateway
"${JMH[@]}" 'DecisionBenchmark\.(sidecarKnown|sidecarViaGateway|sidecarUnknown|sidecarHidden|registryLookup|gatewayMixed|authorizeMixed)$' \
    -p gatewayPolicies=1000 "${SAMPLE[@]}" -rf json -rff "$OUT/decision.json" > "$OUT/decision.log"
"${JMH[@]}" 'DecisionBenchmark\.(gatewayMixed|authorizeMixed)$' -p gatewayPolicies=10 "${SAMPLE[@]}" \
    -rf json -rff "$OUT/decision-10.json" > "$OUT/decision-10.log"
# indexes, not scans: 1,000 / 10,000 / 100,000 of each, the same 100 gateway hosts and policies
"${JMH[@]}" 'ScalingBenchmark\.(sidecarKnown|registryLookup|gatewayMixed|authorizeMixed)$' "${SAMPLE[@]}" \
    -rf json -rff "$OUT/scaling.json" > "$OUT/scaling.log"
# what a request can touch: hosts through the gateway, policies on the gateway (size fixed at 10,000)
"${JMH[@]}" 'ScalingBenchmark\.(sidecarViaGateway|gatewayMixed)$' -p size=10000 -p gatewayHosts=10,100,1000 \
    "${SAMPLE[@]}" -rf json -rff "$OUT/touch-hosts.json" > "$OUT/touch-hosts.log"
"${JMH[@]}" 'ScalingBenchmark\.authorizeMixed$' -p size=10000 -p gatewayPolicies=10,100,1000 \
    "${SAMPLE[@]}" -rf json -rff "$OUT/touch-policies.json" > "$OUT/touch-policies.log"
# compile (single shots) and a reload end to end
"${JMH[@]}" CompileBenchmark -rf json -rff "$OUT/compile.json" > "$OUT/compile.log"
"${JMH[@]}" LoadBenchmark -rf json -rff "$OUT/load.json" > "$OUT/load.log"
"$JAVA" -Xmx2g -cp bench/target/benchmarks.jar dev.tollgate.bench.Footprint > "$OUT/footprint.txt" 2>/dev/null
uptime >> "$OUT/machine.txt"
python3 bench/summarize.py "$OUT"
