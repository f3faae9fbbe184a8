#!/usr/bin/env bash
# A/B of two Tollgate builds on the two data-plane paths issue 6 section 4 profiled, run alternately (A, B, A, B...)
# because the machine is shared and noisy; prints every run and the medians. Not the side-by-side harness
# (bench/peers, with HAProxy and Squid): a quick check of one change.
#   bench/pool-ab.sh BEFORE.jar AFTER.jar            (e.g. copies of cli/target/tollgate-all.jar)
# Workloads: ka    = wrk -> sidecar (explicit proxy) -> nginx, keep-alive, 1 KiB responses
#            chain = wrk -> sidecar -> mTLS -> gateway -> TLS origination -> nginx (HTTPS), 1 KiB responses
# The proxies run on CPU $PROXY_CPU (default 0), wrk and nginx on $LOAD_CPU (default 1). Each run: $WARMUP s of
# load (JIT warm-up, not measured), then $DURATION s measured. Needs wrk, nginx, openssl, taskset, curl.
# Environment: ROUNDS (3) DURATION (10) WARMUP (15) CONNS (16) WORKLOADS ("ka chain") JAVA_OPTS.
set -euo pipefail
A=$(realpath "$1") B=$(realpath "$2")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/find-jdk.sh"
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} WARMUP=${WARMUP:-15} CONNS=${CONNS:-16}
WORKLOADS=${WORKLOADS:-ka chain} PROXY_CPU=${PROXY_CPU:-0} LOAD_CPU=${LOAD_CPU:-1}
UP_HTTP=27180 UP_HTTPS=27443 GW=27444 SC=27101
W=$(mktemp -d /tmp/tollgate-pool-ab.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
java_tg() { "$JAVA_HOME/bin/java" ${JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true -jar "$@"; }

mkdir -p "$W/www" "$W/run" "$W/logs"
head -c 1024 /dev/zero | tr '\0' x > "$W/www/1k"
java_tg "$A" ca init --dir "$W/mesh-ca" >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench public CA" \
  -keyout "$W/ca.key" -out "$W/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=up.bench.test" \
  -keyout "$W/up.key" -out "$W/up.csr" 2>/dev/null
openssl x509 -req -in "$W/up.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 2 \
  -extfile <(printf 'subjectAltName=DNS:up.bench.test\n') -out "$W/up.pem" 2>/dev/null
cat > "$W/nginx.conf" <<EOF
worker_processes 1; daemon off; user root; pid $W/run/nginx.pid; error_log $W/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 100000000; keepalive_timeout 600s; root $W/www;
  client_body_temp_path $W/run/b; proxy_temp_path $W/run/p; fastcgi_temp_path $W/run/f;
  uwsgi_temp_path $W/run/u; scgi_temp_path $W/run/s;
  server { listen 127.0.0.1:$UP_HTTP; location = /status { stub_status; } }
  server { listen 127.0.0.1:$UP_HTTPS ssl; ssl_certificate $W/up.pem; ssl_certificate_key $W/up.key; }
}
EOF
taskset -c "$LOAD_CPU" nginx -c "$W/nginx.conf" & PIDS+=($!)

cat > "$W/mesh.yaml" <<EOF
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: bench, namespace: istio-system}
spec: {meshConfig: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}}
EOF
cat > "$W/ka.yaml" <<EOF
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: {name: upstream, namespace: bench}
spec:
  hosts: [up.bench.test]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: $UP_HTTP, name: http, protocol: HTTP}]
EOF
cat > "$W/chain.yaml" <<EOF
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: {name: upstream}
spec:
  hosts: [up.bench.test]
  resolution: DNS
  ports: [{number: $UP_HTTP, name: http, protocol: HTTP}, {number: $UP_HTTPS, name: https, protocol: HTTPS}]
---
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: {name: chain}
spec:
  selector: {istio: egressgateway}
  servers: [{port: {number: $GW, name: https-origination, protocol: HTTPS}, hosts: [up.bench.test], tls: {mode: ISTIO_MUTUAL}}]
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: egressgateway-for-upstream}
spec:
  host: istio-egressgateway.istio-system.svc.cluster.local
  subsets:
  - name: upstream
    trafficPolicy: {portLevelSettings: [{port: {number: $GW}, tls: {mode: ISTIO_MUTUAL, sni: up.bench.test}}]}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: upstream-through-egress-gateway}
spec:
  hosts: [up.bench.test]
  gateways: [chain, mesh]
  http:
  - match: [{gateways: [mesh], port: $UP_HTTP}]
    route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, subset: upstream, port: {number: $GW}}}]
  - match: [{gateways: [chain], port: $GW}]
    route: [{destination: {host: up.bench.test, port: {number: $UP_HTTPS}}}]
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: originate-tls-for-upstream}
spec:
  host: up.bench.test
  trafficPolicy: {portLevelSettings: [{port: {number: $UP_HTTPS}, tls: {mode: SIMPLE}}]}
EOF
cat > "$W/proxy.lua" <<EOF
wrk.path = "http://up.bench.test:$UP_HTTP/1k"
wrk.headers["Host"] = "up.bench.test:$UP_HTTP"
EOF

start_proxies() { # jar workload
  local common=(--ca-dir "$W/mesh-ca" --drain-timeout 1s --resolve "up.bench.test:$UP_HTTP:127.0.0.1"
                --resolve "up.bench.test:$UP_HTTPS:127.0.0.1")
  if [ "$2" = chain ]; then
    taskset -c "$PROXY_CPU" "$JAVA_HOME/bin/java" ${JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED \
      -Dio.netty.tryReflectionSetAccessible=true -jar "$1" gateway -f istio-system="$W/chain.yaml" -f "$W/mesh.yaml" \
      "${common[@]}" --bind 127.0.0.1 --ca-bundle "$W/ca.pem" >/dev/null 2>"$W/logs/gw.log" & PIDS+=($!)
    taskset -c "$PROXY_CPU" "$JAVA_HOME/bin/java" ${JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED \
      -Dio.netty.tryReflectionSetAccessible=true -jar "$1" sidecar --namespace bench --service-account client \
      -f istio-system="$W/chain.yaml" -f "$W/mesh.yaml" "${common[@]}" --listen "127.0.0.1:$SC" \
      --connect-to "istio-egressgateway.istio-system.svc.cluster.local:$GW:127.0.0.1:$GW" \
      >/dev/null 2>"$W/logs/sc.log" & PIDS+=($!)
  else
    taskset -c "$PROXY_CPU" "$JAVA_HOME/bin/java" ${JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED \
      -Dio.netty.tryReflectionSetAccessible=true -jar "$1" sidecar --namespace bench --service-account client \
      -f "$W/ka.yaml" -f "$W/mesh.yaml" "${common[@]}" --listen "127.0.0.1:$SC" >/dev/null 2>"$W/logs/sc.log" & PIDS+=($!)
  fi
  for _ in $(seq 1 300); do
    if curl -sf -o /dev/null -x "http://127.0.0.1:$SC" "http://up.bench.test:$UP_HTTP/1k"; then return 0; fi
    sleep 0.1
  done
  echo "proxies did not come up:" >&2; cat "$W/logs/"*.log >&2; return 1
}
stop_proxies() {
  local p; for p in "${PIDS[@]:1}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  PIDS=("${PIDS[0]}")
}
# connections nginx accepted so far (this query is one of them)
accepts() { curl -s "http://127.0.0.1:$UP_HTTP/status" | awk 'NR==3 {print $1}'; }
run_wrk() { taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"$1"s --timeout 5s --latency -s "$W/proxy.lua" "http://127.0.0.1:$SC/"; }

echo "date: $(date -u '+%F %T UTC'); cpus: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "A=$A"; echo "B=$B"
echo "rounds=$ROUNDS warmup=${WARMUP}s duration=${DURATION}s connections=$CONNS proxy_cpu=$PROXY_CPU load_cpu=$LOAD_CPU"
declare -A RES
for r in $(seq 1 "$ROUNDS"); do
  for wl in $WORKLOADS; do
    for side in A B; do
      jar=$A; [ "$side" = B ] && jar=$B
      start_proxies "$jar" "$wl"
      run_wrk "$WARMUP" >/dev/null
      before=$(accepts)
      out=$(run_wrk "$DURATION")
      conns=$(( $(accepts) - before - 1 ))
      rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      p99=$(awk '$1=="99%" {print $2}' <<<"$out")
      errs=$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ' | tr '\n' ';' || true)
      echo "round $r $wl $side: $rps req/s, p99 $p99, upstream connections opened while measured: $conns ${errs}"
      RES["$wl $side"]+="$rps "
      stop_proxies
    done
  done
done
for wl in $WORKLOADS; do
  for side in A B; do
    echo "median $wl $side: $(tr ' ' '\n' <<<"${RES["$wl $side"]}" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') req/s"
  done
done
