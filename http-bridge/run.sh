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

# java_feature, newest_java, bridge_gc_opts
source "$here/java-choice.sh"

java_bin=${BRIDGE_JAVA:-}
if [[ -z $java_bin ]]; then
  java_bin=$(newest_java) || true
  [[ -n $java_bin ]] || { echo "run.sh: no java found; install Java 17+ (apt-get install -y openjdk-17-jre-headless)" >&2; exit 2; }
  best=$(java_feature "$java_bin")
  if ((best >= 22)); then
    echo "run.sh: Java $best ($java_bin): the fast path" >&2
  elif ((best >= 21)); then
    echo "run.sh: Java $best ($java_bin): robaho's HTTP server on virtual threads; the fast path (the bridge's epoll server) needs Java 22+" >&2
  else
    echo "run.sh: no Java 21+ found, running on Java $best ($java_bin): the JDK's built-in HTTP server, slower under load (README, \"Which HTTP server\")" >&2
  fi
fi

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# The garbage collector (java-choice.sh says which and why), unless BRIDGE_JAVA_OPTS names one.
gc_opts=()
if [[ " ${BRIDGE_JAVA_OPTS:-} " != *" -XX:+Use"*"GC "* ]]; then
  read -r -a gc_opts <<<"$(bridge_gc_opts "$java_bin")"
fi
exec "$java_bin" "${gc_opts[@]}" ${BRIDGE_JAVA_OPTS:-} -jar "$jar" "$@"
