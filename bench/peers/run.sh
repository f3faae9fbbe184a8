#!/usr/bin/env bash
# Tollgate side by side with HAProxy, Squid, tinyproxy and nginx, measured the same way in one run (issue 6, part 4).
#
#   bench/peers/run.sh [--smoke] [--duration S] [--warmup S] [--peer-warmup S] [--rounds N] [--bulk-runs N]
#                      [--subjects a,b,...] [--workloads a,b,...] [--out DIR] [--base-port N] [--keep]
#
# Each subject runs alone, pinned to core 0 (taskset -c 0); the load generator and the upstream share core 1.
# For each subject: start it, time the first proxied request and read its idle RSS, check that its allow-list
# refuses a host outside it, then per workload warm up and measure, reading the subject's CPU time around the
# measured window. Results go to OUT (default /tmp/tollgate-peers/<UTC time>/, never the repo): results.csv, one
# raw JSON per cell, machine.txt, and tables.md (also printed).
#
# --smoke: direct, the Tollgate sidecar and Squid on keep-alive only, 2 s each; 20-45 s after the jar is built,
# most of it the Tollgate JVM's start.
# It fails (exit 1) only if the harness is broken: a subject did not start, an allow-list let a denied host
# through, or a cell had no successful request. Never on numbers.
#
# Needs root (apt-get for missing tools; squid and tinyproxy drop to their users; a private mount namespace gives
# tinyproxy an /etc/hosts with the bench host). Only 127.0.0.1 is used. The Tollgate JVM runs through ./tollgate,
# with its launcher flags; set TOLLGATE_JAVA_OPTS to add JVM flags (recorded in machine.txt).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CONF="$HERE/conf"

DURATION=10 WARMUP=30 PEER_WARMUP=5 ROUNDS=1 BULK_RUNS=3 BASE_PORT=21000 KEEP=0 SMOKE=0
CONNS=32 TLS_CONC=8 BULK_SIZE=1G SETTLE=1
SUBJECTS=tollgate,direct,squid,tinyproxy,haproxy,nginx,tollgate-splice,tollgate-gw-pt,tollgate-gw-mtls,tollgate-chain,squid-chain
WORKLOADS=ka,lat,connect,connect_bulk,pt,pt_bulk,mtls,chain,tls,bulk
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1 ;;
    --duration) DURATION=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --peer-warmup) PEER_WARMUP=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --bulk-runs) BULK_RUNS=$2; shift ;;
    --subjects) SUBJECTS=$2; shift ;;
    --workloads) WORKLOADS=$2; shift ;;
    --out) OUT=$2; shift ;;
    --base-port) BASE_PORT=$2; shift ;;
    --connections) CONNS=$2; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$SMOKE" = 1 ]; then
  SUBJECTS=tollgate,direct,squid WORKLOADS=ka DURATION=2 WARMUP=1 PEER_WARMUP=1 ROUNDS=1 CONNS=8 SETTLE=0.2
fi
has() { case ",$2," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# ---------------------------------------------------------------- tools
install_missing() {
  local need=() cmd pkg
  for pair in "$@"; do
    cmd=${pair%%=*} pkg=${pair#*=}
    if [ "${cmd#/}" != "$cmd" ]; then [ -e "$cmd" ] || need+=("$pkg"); else command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg"); fi
  done
  [ ${#need[@]} -eq 0 ] && return 0
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${need[@]}" >/dev/null
}
# squid-openssl: Debian's default squid is built with GnuTLS, whose https_port cannot load the EC keys the chain
# needs nor require client certificates (clientca=).
tools=(wrk=wrk curl=curl openssl=openssl taskset=util-linux unshare=util-linux setsid=util-linux nginx=nginx
       squid=squid-openssl)
if [ "$SMOKE" = 0 ]; then
  tools+=(haproxy=haproxy tinyproxy=tinyproxy h2load=nghttp2-client python3=python3
          /usr/lib/nginx/modules/ngx_stream_module.so=libnginx-mod-stream)
fi
install_missing "${tools[@]}"
if has squid-chain "$SUBJECTS" && ! squid -v 2>/dev/null | grep -q -- --with-openssl; then
  log "squid is the GnuTLS build: replacing it with squid-openssl for the chain's TLS"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 squid-openssl >/dev/null
fi
# Debian's packages start their daemons on install where an init system runs them: this harness starts its own.

if [ "$(nproc)" -ge 2 ]; then PROXY_CPU=0 LOAD_CPU=1; else PROXY_CPU=0 LOAD_CPU=0; log "one core only: no pinning apart"; fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
NOFILE=$(ulimit -n)

# ---------------------------------------------------------------- ports (all on 127.0.0.1)
B=$BASE_PORT
UP_HTTP=$B UP_HTTPS=$((B+1))
TG_SC=$((B+10)) TG_SC_ADMIN=$((B+11)) TG_PT=$((B+20)) TG_PT_ADMIN=$((B+21)) TG_MTLS=$((B+22)) TG_MTLS_ADMIN=$((B+23))
TG_CH_SC=$((B+30)) TG_CH_SC_ADMIN=$((B+31)) TG_CH_GW=$((B+32)) TG_CH_GW_ADMIN=$((B+33))
SQUID=$((B+40)) SQUID_A=$((B+41)) SQUID_B=$((B+42)) TINYPROXY=$((B+50))
HA_KA=$((B+60)) HA_PT=$((B+61)) HA_MTLS=$((B+62)) NG_PT=$((B+70)) NG_MTLS=$((B+71))
busy=$(ss -Htln 2>/dev/null | awk '{print $4}' | sed -n "s/.*:\([0-9]*\)$/\1/p" | awk -v b="$B" '$1>=b && $1<b+80' | sort -u | tr '\n' ' ')
if [ -n "$busy" ]; then echo "run.sh: ports $busy are in use; pick another --base-port" >&2; exit 2; fi

# ---------------------------------------------------------------- work dir, results, cleanup
WORK=$(mktemp -d /tmp/tollgate-peers-work.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK"/{pki,logs,run,www,squid,tg}
OUT=${OUT:-/tmp/tollgate-peers/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT/raw"
case "$(cd "$OUT" && pwd)/" in "$ROOT"/*) case "$(cd "$OUT" && pwd)/" in "$ROOT/bench/results/"*) ;; *)
  echo "run.sh: --out must be outside the repository (or under bench/results/)" >&2; exit 2 ;; esac ;; esac
RESULTS="$OUT/results.csv"
echo "round,subject,workload,metric,value,unit,proxy_cpu_s,work,detail" > "$RESULTS"
FAILURES=()
GROUPS_STARTED=()
cleanup() {
  local pg
  for pg in "${GROUPS_STARTED[@]}"; do kill -TERM -- "-$pg" 2>/dev/null || true; done
  sleep 0.3
  for pg in "${GROUPS_STARTED[@]}"; do kill -KILL -- "-$pg" 2>/dev/null || true; done
  if [ "$KEEP" = 1 ]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CLK_TCK=$(getconf CLK_TCK)
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# start NAME CPU CMD...: its own session and process group, so it can be measured and stopped as one.
# taskset and setsid exec in place (the child of & is no group leader), so $! is the subject itself.
start() {
  local name=$1 cpu=$2; shift 2
  taskset -c "$cpu" setsid "$@" >"$WORK/logs/$name.log" 2>&1 </dev/null &
  LAST_PID=$!
  GROUPS_STARTED+=("$LAST_PID")
  LOGS_MEASURED="${LOGS_MEASURED:-} $WORK/logs/$name.log"
}
stop_group() {
  local pg=$1 i
  kill -TERM -- "-$pg" 2>/dev/null || return 0
  for i in $(seq 50); do kill -0 -- "-$pg" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pg" 2>/dev/null || true
  wait "$pg" 2>/dev/null || true
  local keep=()
  for i in "${GROUPS_STARTED[@]}"; do [ "$i" = "$pg" ] || keep+=("$i"); done
  GROUPS_STARTED=("${keep[@]}")
}
# CPU ticks (user+system) and RSS (KiB) of every process in the given process groups.
group_ticks() {
  local t=0 f line rest pg
  for f in /proc/[0-9]*/stat; do
    read -r line 2>/dev/null < "$f" || continue
    rest=${line##*) }
    set -- $rest
    for pg in $GROUPS_MEASURED; do [ "$3" = "$pg" ] && t=$((t + ${12} + ${13})); done
  done
  echo "$t"
}
group_rss_kib() {
  local r=0 d pgid kb pg
  for d in /proc/[0-9]*; do
    pgid=$(awk '{sub(/.*\) /,""); print $3}' "$d/stat" 2>/dev/null) || continue
    for pg in $GROUPS_MEASURED; do
      if [ "$pgid" = "$pg" ]; then kb=$(awk '/^VmRSS:/{print $2}' "$d/status" 2>/dev/null); r=$((r + ${kb:-0})); fi
    done
  done
  echo "$r"
}
# System-wide TCP trouble during a cell (other processes count too): SYN retransmits and accept-queue overflows
# explain a stall that CPU time and throughput alone do not.
net_counters() {
  awk '/^TcpExt:/{if(!h){for(i=1;i<=NF;i++)n[i]=$i;h=1}else{for(i=1;i<=NF;i++)if(n[i]=="ListenOverflows"||n[i]=="TCPSynRetrans")v[n[i]]=$i}}
       END{print v["ListenOverflows"]+0, v["TCPSynRetrans"]+0}' /proc/net/netstat
}
net_delta() { # "before" "after"
  set -- $1 $2
  echo "listen_overflows=$(( $3 - $1 )) syn_retrans=$(( $4 - $2 ))"
}
ticks_to_s() { awk -v t="$1" -v h="$CLK_TCK" 'BEGIN{printf "%.3f", t/h}'; }
jget() { sed -n "s/.*\"$2\": *\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$1" | head -1; }
jnum() { local v; v=$(jget "$1" "$2"); case "$v" in ''|null) echo 0 ;; *) echo "${v%.*}" ;; esac; }

ROUND=0 SUBJECT=""
record() { # workload metric value unit cpu_s work detail
  echo "$ROUND,$SUBJECT,$1,$2,$3,$4,$5,$6,\"${7//\"/\'}\"" >> "$RESULTS"
}
fail() { FAILURES+=("round $ROUND $SUBJECT: $*"); log "HARNESS FAILURE: $SUBJECT: $*"; }
warmup_for() { case "$SUBJECT" in tollgate*) echo "$WARMUP" ;; *) echo "$PEER_WARMUP" ;; esac; }

# ---------------------------------------------------------------- PKI (in WORK only)
TG=("$ROOT/tollgate")
P="$WORK/pki"
log "mesh CA (the first ./tollgate call also builds the jar if sources changed)"
"${TG[@]}" ca init --dir "$P/mesh-ca" >/dev/null
# the "public" CA and the upstream's certificate, as an external host would have (EC P-256, like the mesh's)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench public CA" \
  -keyout "$P/public-ca.key" -out "$P/public-ca.pem" 2>/dev/null
mkdir -p "$P/upstream"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=up.bench.test" \
  -keyout "$P/upstream/key.pem" -out "$P/upstream/req.pem" 2>/dev/null
openssl x509 -req -in "$P/upstream/req.pem" -CA "$P/public-ca.pem" -CAkey "$P/public-ca.key" -CAcreateserial \
  -days 2 -extfile <(printf 'subjectAltName=DNS:up.bench.test\nbasicConstraints=CA:FALSE\n') \
  -out "$P/upstream/cert.pem" 2>/dev/null
if [ "$SMOKE" = 0 ]; then
  "${TG[@]}" ca issue --dir "$P/mesh-ca" --namespace bench --service-account client --out "$P/client" >/dev/null
  "${TG[@]}" ca issue --dir "$P/mesh-ca" --namespace bench --service-account other --out "$P/other" >/dev/null
  "${TG[@]}" ca issue --dir "$P/mesh-ca" --namespace istio-system --service-account peer-gateway --out "$P/peer-gw" >/dev/null
  cat "$P/peer-gw/cert-chain.pem" "$P/peer-gw/key.pem" > "$P/peer-gw/haproxy.pem"
  # Squid checks its parent's name whatever tls-flags says: its gateway gets a DNS name from the mesh CA
  "${TG[@]}" ca issue --dir "$P/mesh-ca" --dns-name squid-gw.bench.test --out "$P/squid-gw" >/dev/null
  CLIENT_FP=$(openssl x509 -in "$P/client/cert-chain.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr A-F a-f)
  CLIENT_SPIFFE_HEX=$(printf 'spiffe://cluster.local/ns/bench/sa/client' | od -An -tx1 | tr -d ' \n')
  # squid drops to the proxy user: give it copies it can read
  cp "$P/client/cert-chain.pem" "$WORK/squid/client-cert.pem"; cp "$P/client/key.pem" "$WORK/squid/client-key.pem"
  cp "$P/squid-gw/cert-chain.pem" "$WORK/squid/gw-cert.pem"; cp "$P/squid-gw/key.pem" "$WORK/squid/gw-key.pem"
  cp "$P/mesh-ca/ca-cert.pem" "$WORK/squid/mesh-ca.pem"; cp "$P/public-ca.pem" "$WORK/squid/public-ca.pem"
else
  CLIENT_FP=none CLIENT_SPIFFE_HEX=none
fi
chown -R proxy "$WORK/squid" 2>/dev/null || chmod -R a+rwX "$WORK/squid"

printf '127.0.0.1 localhost\n127.0.0.1 up.bench.test denied.bench.test\n' > "$WORK/hosts"
printf 'up.bench.test\n' > "$WORK/tinyproxy.filter"
head -c 1024 /dev/zero | tr '\0' 'x' > "$WORK/www/1k"
truncate -s "$BULK_SIZE" "$WORK/www/1g"   # sparse: served from the page cache, no disk
BULK_BYTES=$(stat -c %s "$WORK/www/1g")

render() { # template -> file, replacing @NAME@ with $NAME for the names below
  local args=() v
  for v in WORK NAME UP_HTTP UP_HTTPS TG_PT TG_MTLS TG_CH_GW SQUID_LISTEN SQUID_PEERS TINYPROXY HA_KA HA_PT HA_MTLS \
           NG_PT NG_MTLS CLIENT_FP CLIENT_SPIFFE_HEX NOFILE; do
    args+=(-e "s|@$v@|${!v:-}|g")
  done
  sed "${args[@]}" "$1" > "$2"
}
NAME=""
for f in mesh sidecar gateway-passthrough gateway-mtls chain; do render "$CONF/tollgate/$f.yaml" "$WORK/tg/$f.yaml"; done
render "$CONF/upstream-nginx.conf" "$WORK/upstream-nginx.conf"
render "$CONF/haproxy.cfg" "$WORK/haproxy.cfg"
render "$CONF/nginx-peer.conf" "$WORK/nginx-peer.conf"
render "$CONF/tinyproxy.conf" "$WORK/tinyproxy.conf"
NAME=squid SQUID_LISTEN="http_port 127.0.0.1:$SQUID" SQUID_PEERS=""
render "$CONF/squid.conf" "$WORK/squid/squid.conf"
# The Squid chain: A is the client's explicit proxy and sends everything over mTLS to B (its client certificate
# is the bench client's); B requires a client certificate from the mesh CA and originates TLS to the upstream.
NAME=squid-a SQUID_LISTEN="http_port 127.0.0.1:$SQUID_A"
SQUID_PEERS="cache_peer 127.0.0.1 parent $SQUID_B 0 no-query no-digest name=gw tls tls-cert=$WORK/squid/client-cert.pem tls-key=$WORK/squid/client-key.pem tls-cafile=$WORK/squid/mesh-ca.pem tls-domain=squid-gw.bench.test\nnever_direct allow all"
render "$CONF/squid.conf" "$WORK/squid/squid-a.conf"
NAME=squid-b SQUID_LISTEN="https_port 127.0.0.1:$SQUID_B tls-cert=$WORK/squid/gw-cert.pem tls-key=$WORK/squid/gw-key.pem tls-cafile=$WORK/squid/mesh-ca.pem clientca=$WORK/squid/mesh-ca.pem"
SQUID_PEERS="cache_peer 127.0.0.1 parent $UP_HTTPS 0 no-query no-digest originserver name=up tls tls-cafile=$WORK/squid/public-ca.pem tls-domain=up.bench.test\nnever_direct allow all"
render "$CONF/squid.conf" "$WORK/squid/squid-b.conf"
chown -R proxy "$WORK/squid" 2>/dev/null || true

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "command: bench/peers/run.sh $* (smoke=$SMOKE duration=$DURATION warmup=$WARMUP peer_warmup=$PEER_WARMUP rounds=$ROUNDS bulk_runs=$BULK_RUNS connections=$CONNS tls_concurrency=$TLS_CONC)"
  echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) $(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo dirty)"
  echo "cpus: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
  echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "memory: $(free -m | awk '/^Mem:/{print $2" MiB total, "$7" MiB available"}')"
  . "$ROOT/scripts/find-jdk.sh" >/dev/null 2>&1 && echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
  echo "TOLLGATE_JAVA_OPTS: ${TOLLGATE_JAVA_OPTS:-}"
  echo "versions: $(haproxy -v 2>/dev/null | head -1 | cut -d' ' -f1-3); $(squid -v 2>/dev/null | head -1); $(tinyproxy -v 2>/dev/null); $(nginx -v 2>&1); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); $(openssl version)"
} > "$OUT/machine.txt"

# ---------------------------------------------------------------- the upstream (core 1, with the load generator)
start upstream "$LOAD_CPU" nginx -c "$WORK/upstream-nginx.conf" -e "$WORK/logs/upstream-error.log"
UPSTREAM_PG=$LAST_PID
for i in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$UP_HTTP/1k" && break; sleep 0.05; done
curl -sf -o /dev/null "http://127.0.0.1:$UP_HTTP/1k" || { echo "run.sh: the upstream nginx did not start:" >&2; cat "$WORK/logs/upstream.log" >&2; exit 1; }

# ---------------------------------------------------------------- load generators (core 1)
HOSTPORT="up.bench.test:$UP_HTTP"
wrk_run() { # url path seconds connections [delay_ms] -> JSON line
  BENCH_PATH=$2 BENCH_HOST=$HOSTPORT BENCH_DELAY_MS=${5:-} \
    taskset -c "$LOAD_CPU" wrk -t1 -c"$4" -d"$3"s --timeout 5s -s "$HERE/wrk-json.lua" "$1" 2>&1 | grep '^{' | tail -1 || true
}
tls_run() { # seconds args... -> JSON line
  local s=$1; shift
  taskset -c "$LOAD_CPU" python3 "$HERE/tlsload.py" --duration "$s" --concurrency "$TLS_CONC" "$@" 2>/dev/null | tail -1 || true
}
curl_bulk() { # curl args... -> "speed_bytes_per_s size"
  taskset -c "$LOAD_CPU" curl -sS -o /dev/null -w '%{speed_download} %{size_download} %{http_code}\n' "$@" 2>>"$WORK/logs/curl.log" || echo "0 0 000"
}

# ---------------------------------------------------------------- cells
# Each cell: warm-up (discarded), then the measured window with the subject's CPU time read around it.
cell_ka() { # workload url path
  local wl=$1 url=$2 path=$3 w j t0 t1 n0 n1 ok rate secs
  w=$(warmup_for); [ "$w" -gt 0 ] && wrk_run "$url" "$path" "$w" "$CONNS" >/dev/null
  n0=$(net_counters); t0=$(group_ticks); j=$(wrk_run "$url" "$path" "$DURATION" "$CONNS"); t1=$(group_ticks); n1=$(net_counters)
  echo "$j" > "$OUT/raw/r$ROUND-$SUBJECT-$wl.json"
  ok=$(( $(jnum "$j" requests) - $(jnum "$j" errors_status) ))
  if [ "$ok" -le 0 ] && [ "$SMOKE" = 1 ]; then
    # a cold JVM on a loaded machine can answer nothing in a 2 s window: give it one longer one before failing
    log "  $SUBJECT $wl: nothing in ${DURATION} s; once more for 8 s"
    n0=$(net_counters); t0=$(group_ticks); j=$(wrk_run "$url" "$path" 8 "$CONNS"); t1=$(group_ticks); n1=$(net_counters)
    ok=$(( $(jnum "$j" requests) - $(jnum "$j" errors_status) ))
  fi
  secs=$(awk -v u="$(jget "$j" duration_us)" 'BEGIN{printf "%.3f", (u>0?u:1)/1e6}')
  rate=$(awk -v n="$ok" -v s="$secs" 'BEGIN{printf "%.0f", n/s}')
  record "$wl" rate "$rate" req/s "$(ticks_to_s $((t1 - t0)))" "$ok" "p99_us=$(jget "$j" p99_us) errors_status=$(jget "$j" errors_status) errors_read=$(jget "$j" errors_read) $(net_delta "$n0" "$n1")"
  log "  $SUBJECT $wl: $rate req/s, p99 $(jget "$j" p99_us) us, cpu $(ticks_to_s $((t1 - t0))) s"
  [ "$ok" -gt 0 ] || fail "$wl: no request succeeded ($j)"
  # the fixed rate of every latency cell in this round: half of Tollgate's keep-alive peak
  if [ "$wl" = ka ] && [ "$SUBJECT" = tollgate ]; then LAT_RATE=$((rate / 2)); fi
  return 0
}
cell_lat() { # url path: fixed rate LAT_RATE, closed-loop pacing with wrk's delay()
  local url=$1 path=$2 conns pace j t0 t1 n0 n1 ok secs rate
  [ -n "${LAT_RATE:-}" ] || { log "  $SUBJECT lat: skipped (no Tollgate keep-alive peak measured yet)"; return 0; }
  # about 10 ms between requests on each connection, as many connections as that takes
  conns=$(( (LAT_RATE + 50) / 100 )); [ "$conns" -ge 1 ] || conns=1
  pace=$(( (conns * 1000 + LAT_RATE / 2) / LAT_RATE )); [ "$pace" -ge 1 ] || pace=1
  wrk_run "$url" "$path" 3 "$conns" "$pace" >/dev/null
  n0=$(net_counters); t0=$(group_ticks); j=$(wrk_run "$url" "$path" "$DURATION" "$conns" "$pace"); t1=$(group_ticks); n1=$(net_counters)
  echo "$j" > "$OUT/raw/r$ROUND-$SUBJECT-lat.json"
  ok=$(( $(jnum "$j" requests) - $(jnum "$j" errors_status) ))
  secs=$(awk -v u="$(jget "$j" duration_us)" 'BEGIN{printf "%.3f", (u>0?u:1)/1e6}')
  rate=$(awk -v n="$ok" -v s="$secs" 'BEGIN{printf "%.0f", n/s}')
  record lat p99 "$(awk -v u="$(jget "$j" p99_us)" 'BEGIN{printf "%.3f", u/1000}')" ms "$(ticks_to_s $((t1 - t0)))" "$ok" \
    "target_rate=$LAT_RATE achieved_rate=$rate p50_us=$(jget "$j" p50_us) p999_us=$(jget "$j" p999_us) connections=$conns $(net_delta "$n0" "$n1")"
  log "  $SUBJECT lat: p99 $(jget "$j" p99_us) us at $rate req/s (target $LAT_RATE)"
  [ "$ok" -gt 0 ] || fail "lat: no request succeeded"
}
cell_tls() { # workload tlsload-args...
  local wl=$1 w j t0 t1 n0 n1 ok; shift
  w=$(warmup_for); [ "$w" -gt 0 ] && tls_run "$w" "$@" >/dev/null
  n0=$(net_counters); t0=$(group_ticks); j=$(tls_run "$DURATION" "$@"); t1=$(group_ticks); n1=$(net_counters)
  echo "$j" > "$OUT/raw/r$ROUND-$SUBJECT-$wl.json"
  ok=$(jnum "$j" ok)
  record "$wl" rate "$(jget "$j" rate)" conn/s "$(ticks_to_s $((t1 - t0)))" "$ok" "errors=$(jget "$j" errors) p99_ms=$(jget "$j" p99_ms) first_error=$(jget "$j" first_error) $(net_delta "$n0" "$n1")"
  log "  $SUBJECT $wl: $(jget "$j" rate) conn/s, errors $(jget "$j" errors), cpu $(ticks_to_s $((t1 - t0))) s"
  [ "$ok" -gt 0 ] || fail "$wl: no connection succeeded ($j)"
}
cell_bulk() { # workload curl-args...: one warm-up transfer, then BULK_RUNS; the median speed
  local wl=$1 r t0 t1 n0 n1 speeds=() got bytes=0 n; shift
  curl_bulk "$@" >/dev/null
  n0=$(net_counters); t0=$(group_ticks)
  for n in $(seq "$BULK_RUNS"); do
    r=$(curl_bulk "$@")
    got=$(cut -d' ' -f2 <<<"$r")
    if [ "$(cut -d' ' -f3 <<<"$r")" = 200 ] && [ "${got%.*}" = "$BULK_BYTES" ]; then
      speeds+=("$(cut -d' ' -f1 <<<"$r")"); bytes=$((bytes + BULK_BYTES))
    else
      log "  $SUBJECT $wl: transfer $n incomplete: $r"
    fi
  done
  t1=$(group_ticks); n1=$(net_counters)
  local med; med=$(printf '%s\n' "${speeds[@]:-0}" | sort -n | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1e6}')
  echo "{\"speeds_bytes_per_s\":\"${speeds[*]:-}\",\"runs\":$BULK_RUNS}" > "$OUT/raw/r$ROUND-$SUBJECT-$wl.json"
  record "$wl" throughput "$med" MB/s "$(ticks_to_s $((t1 - t0)))" "$bytes" "complete_runs=${#speeds[@]}/$BULK_RUNS $(net_delta "$n0" "$n1")"
  log "  $SUBJECT $wl: $med MB/s (${#speeds[@]}/$BULK_RUNS complete), cpu $(ticks_to_s $((t1 - t0))) s"
  [ "${#speeds[@]}" -gt 0 ] || fail "$wl: no complete transfer"
}

# ---------------------------------------------------------------- subjects
# Client-side argument sets
DIRECT_TLS=(--target "127.0.0.1:$UP_HTTPS" --sni up.bench.test --cafile "$P/public-ca.pem")
connect_tls() { echo --target "127.0.0.1:$1" --connect "up.bench.test:$UP_HTTPS" --sni up.bench.test --cafile "$P/public-ca.pem"; }
pt_tls() { echo --target "127.0.0.1:$1" --sni up.bench.test --cafile "$P/public-ca.pem"; }
mtls_args() { echo --target "127.0.0.1:$1" --sni up.bench.test --cafile "$P/mesh-ca/ca-cert.pem" --no-verify-name \
  --cert "$P/client/cert-chain.pem" --key "$P/client/key.pem"; }
PROXY_PATH="http://up.bench.test:$UP_HTTP/1k"
BULK_URL="https://up.bench.test:$UP_HTTPS/1g"

probe_proxy() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 -x "http://127.0.0.1:$1" "http://up.bench.test:$UP_HTTP/1k"; }
probe_pt() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$P/public-ca.pem" --resolve "up.bench.test:$1:127.0.0.1" "https://up.bench.test:$1/1k"; }
probe_mtls() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 -k --cert "$P/${2:-client}/cert-chain.pem" --key "$P/${2:-client}/key.pem" --resolve "up.bench.test:$1:127.0.0.1" "https://up.bench.test:$1/1k"; }

# Starts the subject's processes (a function that calls start and sets GROUPS_MEASURED), times the first
# successful proxied request, reads the idle RSS a second later.
launch() { # start-function probe...
  local t0 t1 code="" limit=90000   # generous: a loaded machine starts a JVM slowly; a harness failure, not a number
  t0=$(now_ms)
  "$1"; shift
  while :; do
    code=$("$@" 2>/dev/null || true)
    [ "$code" = 200 ] && break
    local pg
    for pg in $GROUPS_MEASURED; do
      # the leader itself: right after the fork, before setsid runs, its group does not exist yet
      if ! kill -0 "$pg" 2>/dev/null; then
        # shellcheck disable=SC2086
        fail "process group $pg exited before serving a first request; logs: $(tail -c 400 $LOGS_MEASURED 2>/dev/null | tr '\n' ' ')"
        return 1
      fi
    done
    if [ $(( $(now_ms) - t0 )) -gt "$limit" ]; then
      # shellcheck disable=SC2086
      fail "did not serve a first request within $((limit / 1000)) s (last status $code); logs: $(tail -c 400 $LOGS_MEASURED 2>/dev/null | tr '\n' ' ')"
      return 1
    fi
    sleep 0.02
  done
  t1=$(now_ms)
  sleep "$SETTLE"
  record start first_request_ms $((t1 - t0)) ms 0 0 ""
  record start idle_rss "$(awk -v k="$(group_rss_kib)" 'BEGIN{printf "%.1f", k/1024}')" MiB 0 0 ""
  log "  $SUBJECT: first proxied request after $((t1 - t0)) ms, idle RSS $(awk -v k="$(group_rss_kib)" 'BEGIN{printf "%.1f", k/1024}') MiB"
}
# The allow-list must refuse: a host outside it (or another identity) must not get the upstream's 200.
expect_refused() { # what probe...
  local what=$1 code; shift
  code=$("$@" 2>/dev/null || true)
  if [ "$code" = 200 ]; then fail "allow-list let $what through"; else record allowlist refused "${code:-none}" status 0 0 "$what"; fi
}
finish() { local pg; for pg in $GROUPS_MEASURED; do stop_group "$pg"; done; GROUPS_MEASURED=""; }

tg_common=(--ca-dir "$P/mesh-ca" --drain-timeout 1s --access-log json)
start_tollgate() {
  start "$SUBJECT" "$PROXY_CPU" "${TG[@]}" sidecar --namespace bench --service-account client \
    -f "$WORK/tg/sidecar.yaml" -f "$WORK/tg/mesh.yaml" "${tg_common[@]}" --listen "127.0.0.1:$TG_SC" \
    --admin "127.0.0.1:$TG_SC_ADMIN" --resolve "up.bench.test:$UP_HTTP:127.0.0.1" --resolve "up.bench.test:$UP_HTTPS:127.0.0.1" \
    ${TG_EXTRA:-}
  GROUPS_MEASURED=$LAST_PID
}
start_squid() { start squid "$PROXY_CPU" squid -N -f "$WORK/squid/squid.conf"; GROUPS_MEASURED=$LAST_PID; }
start_tinyproxy() {
  start tinyproxy "$PROXY_CPU" unshare -m sh -c "mount --bind '$WORK/hosts' /etc/hosts && exec tinyproxy -d -c '$WORK/tinyproxy.conf'"
  GROUPS_MEASURED=$LAST_PID
}
start_haproxy() { start haproxy "$PROXY_CPU" haproxy -db -f "$WORK/haproxy.cfg"; GROUPS_MEASURED=$LAST_PID; }
start_nginx() { start nginx-peer "$PROXY_CPU" nginx -c "$WORK/nginx-peer.conf" -e "$WORK/logs/nginx-peer-error.log"; GROUPS_MEASURED=$LAST_PID; }
start_gw() { # name config port admin
  start "$1" "$PROXY_CPU" "${TG[@]}" gateway -f "$WORK/tg/$2.yaml" -f "$WORK/tg/mesh.yaml" "${tg_common[@]}" --bind 127.0.0.1 \
    --admin "127.0.0.1:$4" --resolve "up.bench.test:$UP_HTTP:127.0.0.1" --resolve "up.bench.test:$UP_HTTPS:127.0.0.1" \
    --ca-bundle "$P/public-ca.pem"
  GROUPS_MEASURED="$GROUPS_MEASURED $LAST_PID"
}
start_tg_pt() { GROUPS_MEASURED=""; start_gw tollgate-gw-pt gateway-passthrough "$TG_PT" "$TG_PT_ADMIN"; }
start_tg_mtls() { GROUPS_MEASURED=""; start_gw tollgate-gw-mtls gateway-mtls "$TG_MTLS" "$TG_MTLS_ADMIN"; }
start_tollgate_chain() {
  GROUPS_MEASURED=""
  start_gw tollgate-chain-gw chain "$TG_CH_GW" "$TG_CH_GW_ADMIN"
  start tollgate-chain-sidecar "$PROXY_CPU" "${TG[@]}" sidecar --namespace bench --service-account client \
    -f istio-system="$WORK/tg/chain.yaml" -f "$WORK/tg/mesh.yaml" "${tg_common[@]}" --listen "127.0.0.1:$TG_CH_SC" \
    --admin "127.0.0.1:$TG_CH_SC_ADMIN" --resolve "up.bench.test:$UP_HTTP:127.0.0.1" \
    --connect-to "istio-egressgateway.istio-system.svc.cluster.local:$TG_CH_GW:127.0.0.1:$TG_CH_GW"
  GROUPS_MEASURED="$GROUPS_MEASURED $LAST_PID"
}
start_squid_chain() {
  start squid-b "$PROXY_CPU" squid -N -f "$WORK/squid/squid-b.conf"; GROUPS_MEASURED=$LAST_PID
  start squid-a "$PROXY_CPU" squid -N -f "$WORK/squid/squid-a.conf"; GROUPS_MEASURED="$GROUPS_MEASURED $LAST_PID"
}

run_subject() {
  SUBJECT=$1 GROUPS_MEASURED="" LOGS_MEASURED=""
  local w=$WORKLOADS
  log "round $ROUND: $SUBJECT"
  case "$SUBJECT" in
    direct)
      GROUPS_MEASURED=$UPSTREAM_PG   # direct measures the upstream's own CPU
      has ka "$w" && cell_ka ka "http://127.0.0.1:$UP_HTTP" /1k
      has lat "$w" && cell_lat "http://127.0.0.1:$UP_HTTP" /1k
      has tls "$w" && cell_tls tls "${DIRECT_TLS[@]}"
      has bulk "$w" && cell_bulk bulk --cacert "$P/public-ca.pem" --resolve "up.bench.test:$UP_HTTPS:127.0.0.1" "$BULK_URL"
      GROUPS_MEASURED="" ;;
    tollgate|squid|tinyproxy)
      local port; case "$SUBJECT" in tollgate) port=$TG_SC ;; squid) port=$SQUID ;; tinyproxy) port=$TINYPROXY ;; esac
      launch "start_$SUBJECT" probe_proxy "$port" || { finish; return; }
      expect_refused "a host outside the allow-list" curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
        -x "http://127.0.0.1:$port" "http://denied.bench.test:$UP_HTTP/1k"
      has ka "$w" && cell_ka ka "http://127.0.0.1:$port" "$PROXY_PATH"
      has lat "$w" && cell_lat "http://127.0.0.1:$port" "$PROXY_PATH"
      # shellcheck disable=SC2046
      has connect "$w" && cell_tls connect $(connect_tls "$port")
      has connect_bulk "$w" && cell_bulk connect_bulk --cacert "$P/public-ca.pem" -x "http://127.0.0.1:$port" "$BULK_URL"
      finish ;;
    tollgate-splice)
      TG_EXTRA=--splice launch start_tollgate probe_proxy "$TG_SC" || { finish; return; }
      has connect_bulk "$w" && cell_bulk connect_bulk --cacert "$P/public-ca.pem" -x "http://127.0.0.1:$TG_SC" "$BULK_URL"
      finish ;;
    haproxy)
      launch start_haproxy probe_pt "$HA_PT" || { finish; return; }
      expect_refused "a host outside the allow-list" curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
        -x "http://127.0.0.1:$HA_KA" "http://denied.bench.test:$UP_HTTP/1k"
      expect_refused "another SNI" probe_pt_other "$HA_PT"
      expect_refused "another identity" probe_mtls "$HA_MTLS" other
      has ka "$w" && cell_ka ka "http://127.0.0.1:$HA_KA" "$PROXY_PATH"
      has lat "$w" && cell_lat "http://127.0.0.1:$HA_KA" "$PROXY_PATH"
      # shellcheck disable=SC2046
      has pt "$w" && cell_tls pt $(pt_tls "$HA_PT")
      has pt_bulk "$w" && cell_bulk pt_bulk --cacert "$P/public-ca.pem" --resolve "up.bench.test:$HA_PT:127.0.0.1" "https://up.bench.test:$HA_PT/1g"
      # shellcheck disable=SC2046
      has mtls "$w" && cell_tls mtls $(mtls_args "$HA_MTLS")
      finish ;;
    nginx)
      launch start_nginx probe_pt "$NG_PT" || { finish; return; }
      expect_refused "another SNI" probe_pt_other "$NG_PT"
      expect_refused "another identity" probe_mtls "$NG_MTLS" other
      # shellcheck disable=SC2046
      has pt "$w" && cell_tls pt $(pt_tls "$NG_PT")
      has pt_bulk "$w" && cell_bulk pt_bulk --cacert "$P/public-ca.pem" --resolve "up.bench.test:$NG_PT:127.0.0.1" "https://up.bench.test:$NG_PT/1g"
      # shellcheck disable=SC2046
      has mtls "$w" && cell_tls mtls $(mtls_args "$NG_MTLS")
      finish ;;
    tollgate-gw-pt)
      launch start_tg_pt probe_pt "$TG_PT" || { finish; return; }
      expect_refused "another SNI" probe_pt_other "$TG_PT"
      # shellcheck disable=SC2046
      has pt "$w" && cell_tls pt $(pt_tls "$TG_PT")
      has pt_bulk "$w" && cell_bulk pt_bulk --cacert "$P/public-ca.pem" --resolve "up.bench.test:$TG_PT:127.0.0.1" "https://up.bench.test:$TG_PT/1g"
      finish ;;
    tollgate-gw-mtls)
      launch start_tg_mtls probe_mtls "$TG_MTLS" || { finish; return; }
      expect_refused "another identity" probe_mtls "$TG_MTLS" other
      # shellcheck disable=SC2046
      has mtls "$w" && cell_tls mtls $(mtls_args "$TG_MTLS")
      finish ;;
    tollgate-chain|squid-chain)
      local port; [ "$SUBJECT" = tollgate-chain ] && port=$TG_CH_SC || port=$SQUID_A
      launch "start_${SUBJECT//-/_}" probe_proxy "$port" || { finish; return; }
      expect_refused "a host outside the allow-list" curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
        -x "http://127.0.0.1:$port" "http://denied.bench.test:$UP_HTTP/1k"
      has chain "$w" && cell_ka chain "http://127.0.0.1:$port" "$PROXY_PATH"
      finish ;;
    *) echo "run.sh: unknown subject $SUBJECT" >&2; exit 2 ;;
  esac
}
probe_pt_other() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 -k --resolve "other.bench.test:$1:127.0.0.1" "https://other.bench.test:$1/1k"; }

T_START=$(now_ms)
PASSED=0 FAILED=0
for ROUND in $(seq "$ROUNDS"); do
  LAT_RATE=""
  for s in ${SUBJECTS//,/ }; do
    before=${#FAILURES[@]}
    run_subject "$s"
    if [ "${#FAILURES[@]}" -gt "$before" ]; then FAILED=$((FAILED + 1)); else PASSED=$((PASSED + 1)); fi
  done
done
T_END=$(now_ms)
{
  echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "wall time: $(( (T_END - T_START) / 1000 )) s of measurement (after set-up)"
} >> "$OUT/machine.txt"

if command -v python3 >/dev/null 2>&1; then
  python3 "$HERE/tables.py" "$OUT" | tee "$OUT/tables.md"
else
  column -s, -t < "$RESULTS"
fi
log "results: $OUT"
[ ${#FAILURES[@]} -eq 0 ] || printf 'HARNESS FAILURE: %s\n' "${FAILURES[@]}" >&2
# one line per subject run: it started, refused what it must, and served every cell. Worded so that CI, which
# reads a closing "N passed, N failed" line as the test count, keeps the test runner's count instead
echo "peers: subjects working $PASSED, broken $FAILED"
[ "$FAILED" -eq 0 ]
