# Sourced by ./tollgate and ./run-tests: sets JAVA_HOME to a JDK 21 or newer (and JAVA_MAJOR to its feature version),
# or exits 2 with advice. Order: JAVA_HOME, then java on the PATH, then the newest of /usr/lib/jvm/*.
# Every launch of ./tollgate pays for this, so it starts no process it can avoid (each fork and exec is 2-5 ms on a
# busy machine; with sed, head, ls and sort per candidate it was 40-60 ms): bash builtins only, but readlink.
java_major() { # sets major to the feature version of the JDK at $1, or 0
  # the JDK's release file answers without starting a JVM (about 0.1 s each, paid on every launch otherwise)
  local line v=""
  if [ -r "$1/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      if [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]]; then v="${BASH_REMATCH[1]}"; break; fi
    done <"$1/release"
  fi
  if [ -z "$v" ]; then
    v="$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -1)"
  fi
  major="${v:-0}"
}

# sets JDK and JDK_MAJOR (no subshell: $(...) would fork)
find_jdk() {
  local home major d best="" best_major=0
  for home in "${JAVA_HOME:-}" "$(command -v java >/dev/null 2>&1 && readlink -f "$(command -v java)")"; do
    [ -n "$home" ] || continue
    [[ $home == */bin/java ]] && home="${home%/bin/java}"
    if [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ]; then
      java_major "$home"
      if [ "$major" -ge 21 ] 2>/dev/null; then JDK="$home" JDK_MAJOR="$major"; return 0; fi
    fi
  done
  for d in /usr/lib/jvm/*/; do
    home="${d%/}"
    if [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ]; then
      java_major "$home"
      # the newest feature version; among equals the last name in order (what 'sort -rV' put first before)
      if [ "$major" -ge 21 ] 2>/dev/null && [ "$major" -ge "$best_major" ]; then best="$home" best_major="$major"; fi
    fi
  done
  [ -n "$best" ] && JDK="$best" JDK_MAJOR="$best_major"
}

if ! find_jdk; then
  echo "tollgate: no JDK 21 or newer found (looked at JAVA_HOME, java on the PATH and /usr/lib/jvm/*)." >&2
  echo "tollgate: install one, e.g. 'apt-get install openjdk-21-jdk-headless', or set JAVA_HOME." >&2
  exit 2
fi
export JAVA_HOME="$JDK"
JAVA_MAJOR="$JDK_MAJOR"
