# Shared by the scripts in this folder: finds a JDK >= 25 and the embedded engine's cache.
# Sourced, not run.

TAPLINE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TAPLINE_CACHE="${TAPLINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tapline}"

# The embedded ClickHouse engine: chDB's libchdb.so from the npm package below.
CHDB_PACKAGE="@chdb/lib-linux-x64-gnu"
CHDB_VERSION="26.7.3-stable.1"
CHDB_TARBALL_SHA256="c0d32b129e988f2b9a9a31c9141aecf5e1e2453f9a079efc4d36ab8e3f92b2ad"
CHDB_LIBRARY="$TAPLINE_CACHE/chdb/$CHDB_VERSION/libchdb.so"

# JVM options of the server (scripts/run, the Docker image, and benchmarks that host a server).
# G1 with a young generation of at least 35 % of the heap: ingest keeps each batch alive for the
# few hundred milliseconds of its commit, and every young collection copies whatever is in flight,
# so fewer, larger young collections cost less. Ingest benchmark: 48,000-49,000 records/s instead
# of 44,000 with G1's own sizing; server CPU per record 10.6 instead of 12.3 us.
SERVER_JVM_OPTS=(-XX:+UseG1GC -XX:+UnlockExperimentalVMOptions -XX:G1NewSizePercent=35)

say() { printf 'tapline: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'
}

# Sets JAVA_HOME to a JDK >= 25: JAVA_HOME if it qualifies, else the newest under /usr/lib/jvm.
find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] \
      && [ "$(java_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null; then
    export JAVA_HOME
    return
  fi
  local candidate best="" best_major=0 major
  for candidate in /usr/lib/jvm/*; do
    [ -x "$candidate/bin/javac" ] || continue
    major="$(java_major "$candidate")"
    if [ -n "$major" ] && [ "$major" -ge 25 ] && [ "$major" -gt "$best_major" ]; then
      best="$candidate"
      best_major="$major"
    fi
  done
  [ -n "$best" ] || die "no JDK 25 or newer found (looked at JAVA_HOME and /usr/lib/jvm/*). Install one, for example Temurin 25, and set JAVA_HOME."
  export JAVA_HOME="$best"
}

# Fetches libchdb.so into the cache once, verifying the package checksum.
fetch_chdb() {
  if [ -s "$CHDB_LIBRARY" ]; then
    return
  fi
  command -v npm >/dev/null || die "npm is needed once to fetch the embedded ClickHouse engine ($CHDB_PACKAGE); install Node.js and npm, or set clickhouse.url to use a ClickHouse server."
  local work
  work="$(mktemp -d)"
  say "fetching the embedded ClickHouse engine ($CHDB_PACKAGE@$CHDB_VERSION, about 178 MB, once)"
  (cd "$work" && npm pack --silent "$CHDB_PACKAGE@$CHDB_VERSION" >/dev/null) \
    || { rm -rf "$work"; die "could not fetch $CHDB_PACKAGE@$CHDB_VERSION with npm"; }
  local tarball
  tarball="$(ls "$work"/*.tgz)"
  echo "$CHDB_TARBALL_SHA256  $tarball" | sha256sum -c --quiet - \
    || { rm -rf "$work"; die "checksum mismatch for $CHDB_PACKAGE@$CHDB_VERSION; refusing to use it"; }
  tar -xzf "$tarball" -C "$work" package/libchdb.so
  mkdir -p "$(dirname "$CHDB_LIBRARY")"
  mv "$work/package/libchdb.so" "$CHDB_LIBRARY.part"
  mv "$CHDB_LIBRARY.part" "$CHDB_LIBRARY"
  rm -rf "$work"
  say "embedded ClickHouse engine cached at $CHDB_LIBRARY"
}
