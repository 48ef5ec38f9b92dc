#!/usr/bin/env bash
# Do slow and idle clients hold up the others? The bridge on each given Java, over its own Redis:
# a normal GET's latency alone, then beside clients sending a request one byte a second and idle
# connections that send nothing, in the same run (benchmarks' SlowClients does the clients).
#
#   benchmarks/slow-clients.sh [options]
#
# Options:
#   --java PATH        a java for the bridge (repeatable; default: Temurin 25 if installed, then `java`)
#   --slow N           clients sending one byte a second (default 1000)
#   --idle N           idle connections (default 10000)
#   --seconds N        measured seconds per phase (default 15)
#   --bridge-args "A"  extra bridge arguments
#   --out FILE         results (default benchmarks/results/slow-clients.md)
# Needs ulimit -n above slow + idle + a few hundred (it raises the soft limit to the hard one).
# Only loopback traffic; everything it starts is stopped by pid when it exits.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
source "$root/scripts/lib/local-servers.sh"

javas=()
slow=1000
idle=10000
seconds=15
bridge_args=""
out=$root/benchmarks/results/slow-clients.md
jar=$root/http-bridge/target/redis-http-bridge.jar
bench=$root/benchmarks/target/benchmarks.jar

die() { echo "slow-clients: $*" >&2; exit 2; }
log() { echo "slow-clients: $*" >&2; }

while (($#)); do
  case $1 in
    --java) javas+=("$2"); shift 2 ;;
    --slow) slow=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --bridge-args) bridge_args=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done
for n in slow idle seconds; do [[ ${!n} =~ ^[0-9]+$ ]] || die "--$n must be a whole number"; done
if ((${#javas[@]} == 0)); then
  [[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]] && javas+=(/usr/lib/jvm/temurin-25-jdk-amd64/bin/java)
  javas+=(java)
fi
estimate=$((${#javas[@]} * (2 * seconds + 30) + 10))
((estimate <= 290)) || die "this would run about $estimate s; keep it under 5 minutes"
[[ -f $jar ]] || die "bridge jar not found: $jar (./mvnw -pl http-bridge -am package -DskipTests)"
[[ -f $bench ]] || die "benchmarks jar not found: $bench (./mvnw -pl benchmarks -am package -DskipTests)"
command -v redis-server >/dev/null || die "missing redis-server: apt-get install -y redis-server"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
need=$((slow + idle + 500))
(($(ulimit -n) >= need)) || die "ulimit -n is $(ulimit -n); $need file descriptors are needed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/slow-clients.XXXXXX")
redis_pid="" bridge_pid=""
# shellcheck disable=SC2317
cleanup() {
  stop_pid "$bridge_pid" bridge
  stop_pid "$redis_pid" redis-server
  rm -rf "$tmp"
}
cleanup_on_exit cleanup

free_port redis_port
start_redis "$redis_port" "$tmp"
exec 3<>"/dev/tcp/127.0.0.1/$redis_port"
printf '*3\r\n$3\r\nSET\r\n$9\r\nbench:get\r\n$5\r\nhello\r\n' >&3
IFS= read -r -t 5 line <&3 || die "could not preload bench:get"
exec 3<&- 3>&-

rows=()
startups=()
for java_bin in "${javas[@]}"; do
  free_port port
  # shellcheck disable=SC2086 # flag list on purpose
  "$java_bin" -Xms256m -Xmx512m -jar "$jar" --redis "redis://127.0.0.1:$redis_port" --port "$port" $bridge_args >"$tmp/bridge.log" 2>&1 &
  bridge_pid=$!
  for ((i = 0; i < 300; i++)); do
    grep -q "listening on" "$tmp/bridge.log" && break
    kill -0 "$bridge_pid" 2>/dev/null || { cat "$tmp/bridge.log" >&2; die "the bridge exited at start"; }
    sleep 0.1
  done
  startup=$(grep -o 'HTTP server: .*' "$tmp/bridge.log" | head -n 1)
  [[ -n $startup ]] || die "the bridge did not start in 30 s"
  startups+=("$startup")
  label=$(sed 's/HTTP server: //; s/;.*//' <<<"$startup")
  log "$label: $slow slow + $idle idle clients, ${seconds} s per phase"
  while IFS= read -r row; do rows+=("$row"); done < <(timeout $((2 * seconds + 120)) java -cp "$bench" \
    io.github.resilientredis.benchmarks.SlowClients --port "$port" --slow "$slow" --idle "$idle" \
    --seconds "$seconds" --label "$label")
  stop_pid "$bridge_pid" bridge
  bridge_pid=""
done

{
  echo "# Slow and idle clients beside normal requests"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores. One run: the bridge on each Java in turn, over one redis-server."
  echo "4 probe connections send \`GET /GET/bench:get\` one after another (5 ms apart), ${seconds} s alone, then ${seconds} s beside"
  echo "$slow clients that send a request one byte a second (never finishing it) and $idle connections that send nothing."
  echo "Bridge: \`-Xms256m -Xmx512m\`, default settings${bridge_args:+, \`$bridge_args\`}."
  echo
  echo "| HTTP server | phase | requests | p50 ms | p99 ms | max ms | errors | |"
  echo "|---|---|---:|---:|---:|---:|---:|---|"
  printf '%s\n' "${rows[@]}"
} >"$tmp/results.md"
cat "$tmp/results.md"
mkdir -p "$(dirname "$out")"
cp "$tmp/results.md" "$out"
log "results written to $out"
