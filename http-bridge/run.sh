#!/usr/bin/env bash
# Runs the bridge jar on the newest Java 21+ this machine has: the fast path (robaho's HTTP server
# on virtual threads). Without one it runs on `java` (Java 17+: the JDK's built-in HTTP server on
# platform threads) and says so. Raises the open-files limit to the hard limit first: every HTTP
# connection, idle or not, is a file descriptor. On Java 21+ it runs ZGC (see below).
#
#   http-bridge/run.sh [bridge options]      (see --help)
#   BRIDGE_JAVA=/path/to/bin/java http-bridge/run.sh ...   to choose the java yourself
#   BRIDGE_JAR=/path/to/redis-http-bridge.jar http-bridge/run.sh ...   another build of the jar
#
# Build the jar first: ./mvnw -q -B -DskipTests package -pl http-bridge -am
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
jar=${BRIDGE_JAR:-$here/target/redis-http-bridge.jar}
[[ -f $jar ]] || { echo "run.sh: $jar not found; build it: ./mvnw -q -B -DskipTests package -pl http-bridge -am" >&2; exit 2; }

feature() { # java binary -> its major version from <java.home>/release, 0 when unknown
  local home
  home=$(dirname "$(dirname "$(readlink -f "$1")")")
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" 2>/dev/null | head -n 1 | grep . || echo 0
}

java_bin=${BRIDGE_JAVA:-}
if [[ -z $java_bin ]]; then
  best=0
  for candidate in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/*/bin/java "$(command -v java || true)"; do
    [[ -n $candidate && -x $candidate ]] || continue
    f=$(feature "$candidate")
    if ((f > best)); then best=$f java_bin=$candidate; fi
  done
  [[ -n $java_bin ]] || { echo "run.sh: no java found; install Java 17+ (apt-get install -y openjdk-17-jre-headless)" >&2; exit 2; }
  if ((best >= 21)); then
    echo "run.sh: Java $best ($java_bin): the fast path" >&2
  else
    echo "run.sh: no Java 21+ found, running on Java $best ($java_bin): the JDK's built-in HTTP server, slower under load (README, \"Which HTTP server\")" >&2
  fi
fi

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# The garbage collector: ZGC on Java 21+ (generational; its own flag on 21 and 22, the only kind
# from 23), unless BRIDGE_JAVA_OPTS names one. Thousands of held connections are a large live set
# that G1's young pauses copy, 30-150 ms each here, and every held request's delivery that falls
# in one waits for it: one-to-one p99 1-33 ms on G1, 0.6-1.1 ms on ZGC; for about 2% / 10% fewer
# GET / SET requests a second (README, "Speed"; BENCHMARKS.md, section 7).
gc_opts=()
if [[ " ${BRIDGE_JAVA_OPTS:-} " != *" -XX:+Use"*"GC "* ]]; then
  f=$(feature "$java_bin")
  if ((f >= 23)); then gc_opts=(-XX:+UseZGC)
  elif ((f >= 21)); then gc_opts=(-XX:+UseZGC -XX:+ZGenerational)
  fi
fi
exec "$java_bin" "${gc_opts[@]}" ${BRIDGE_JAVA_OPTS:-} -jar "$jar" "$@"
