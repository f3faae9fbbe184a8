# Sourced by ./tollgate and ./run-tests: sets JAVA_HOME to a JDK 21 or newer (and JAVA_MAJOR to its feature version),
# or exits 2 with advice. Order: JAVA_HOME, then java on the PATH, then /usr/lib/jvm/* (newest first).
java_major() { # prints the feature version of the JDK at $1, or 0
  # the JDK's release file answers without starting a JVM (about 0.1 s each, paid on every launch otherwise)
  local v
  v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null | head -1)"
  if [ -z "$v" ]; then
    v="$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -1)"
  fi
  echo "${v:-0}"
}

find_jdk() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for d in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do candidates+=("${d%/}"); done
  for home in "${candidates[@]}"; do
    if [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] && [ "$(java_major "$home")" -ge 21 ] 2>/dev/null; then
      echo "$home"; return 0
    fi
  done
  return 1
}

if ! JDK="$(find_jdk)"; then
  echo "tollgate: no JDK 21 or newer found (looked at JAVA_HOME, java on the PATH and /usr/lib/jvm/*)." >&2
  echo "tollgate: install one, e.g. 'apt-get install openjdk-21-jdk-headless', or set JAVA_HOME." >&2
  exit 2
fi
export JAVA_HOME="$JDK"
JAVA_MAJOR="$(java_major "$JAVA_HOME")"
