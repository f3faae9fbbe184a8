#!/usr/bin/env bash
# Start-up of a sidecar, timed from outside as a user sees it: from running `tollgate sidecar` (launcher included)
# to its admin /ready answering 200, and to the first request proxied through it reaching a local upstream.
#
# Usage: bench/startup.sh [ROUNDS]      (default 5) prints one line per round, then the medians, in seconds; also
# the CPU time the sidecar had used when it was ready (user + system: steadier than wall time on a busy machine).
#   UPSTREAM=127.0.0.1:PORT  use an HTTP stand-in for developers.google.com that is already running, instead of
#                            starting one (so that an outside timer of this script measures the sidecar alone);
#   TOLLGATE=PATH            the launcher to time (default: ./tollgate of this checkout); TOLLGATE_JAVA_OPTS passes.
# Only loopback, only ephemeral ports. Needs curl and python3 (for free ports).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-5}"
tollgate="${TOLLGATE:-$root/tollgate}"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
cpu_ns() { # user + system time of process $1 so far (the launcher execs the JVM, so the pid is the JVM's)
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1e9 / hz }' "/proc/$1/stat"
}
wait_for() { # polls URL (curl arguments) until it answers 200, for at most 60 s
  local i
  for i in $(seq 3000); do curl -sf -o /dev/null "$@" && return 0; sleep 0.02; done
  echo "startup.sh: $* did not answer" >&2; return 1
}

"$tollgate" ca init --dir "$work/ca" >/dev/null
if [ -n "${UPSTREAM:-}" ]; then
  upstream="$UPSTREAM"
else
  upstream="127.0.0.1:$(free_port)"
  "$tollgate" stand-in --host developers.google.com --ca-dir "$work/ca" --http "$upstream" \
      --https "127.0.0.1:$(free_port)" >"$work/stand-in.log" 2>&1 &
  pids+=($!)
  wait_for -H 'Host: developers.google.com' "http://$upstream/"
fi

ready=() first=() cpu=()
for r in $(seq "$rounds"); do
  listen="127.0.0.1:$(free_port)" admin="127.0.0.1:$(free_port)"
  start=$(now)
  "$tollgate" sidecar --namespace default --service-account sleep \
      -f "$root/examples/tutorial/serviceentry-google.yaml" --ca-dir "$work/ca" \
      --listen "$listen" --admin "$admin" --connect-to "developers.google.com:80:$upstream" \
      --drain-timeout 1s >"$work/sidecar.log" 2>&1 &
  sidecar=$!
  pids+=("$sidecar")
  wait_for "http://$admin/ready"
  t_ready=$(( $(now) - start ))
  c_ready=$(cpu_ns "$sidecar")
  http_proxy="http://$listen" curl -sf -o /dev/null http://developers.google.com/
  t_first=$(( $(now) - start ))
  kill "$sidecar"; wait "$sidecar" 2>/dev/null || true
  ready+=("$t_ready") first+=("$t_first") cpu+=("$c_ready")
  echo "round $r: ready $(secs "$t_ready") s, first proxied request $(secs "$t_first") s, cpu to ready $(secs "$c_ready") s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f", m / 1e9 }'; }
echo "median of $rounds: ready $(median "${ready[@]}") s, first proxied request $(median "${first[@]}") s," \
  "cpu to ready $(median "${cpu[@]}") s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
