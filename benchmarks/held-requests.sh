#!/usr/bin/env bash
# Held requests at scale: the HTTP bridge and Nchan (nginx + libnginx-mod-nchan, Redis backend)
# over the same Redis, one after the other in one run.
#
#   benchmarks/held-requests.sh [options]
#
# Starts its own redis-server, then the bridge jar, and runs benchmarks/held/HeldLoad.java (a
# single-file Java load client, JDK only, run on the newest JDK here: one selector thread reads
# every held connection's raw bytes, so the client costs little beside what it measures; its own
# CPU and the server's are reported) against it. First five small rounds warm the server up (a JVM
# otherwise times its JIT compiler at the first broadcast; Nchan gets the same), then: N held
# requests, half SSE streams and half
# long-polls, half of each on one shared channel and the rest each on its own channel. It reports
# the Redis pub/sub connections holding them, broadcast latency (one PUBLISH to the shared
# channel), one-to-one latency (one PUBLISH per own channel), how long Redis keeps the channels
# of clients that left, a normal GET's latency idle and while the N are held, and the bridge's
# heap (sampled with jcmd; the bridge runs with -Xmx512m). Then the same load against Nchan
# (publishing through its HTTP publisher, the only way into its Redis channels; the bridge's
# messages are PUBLISHed straight to Redis). nginx and the module are installed with apt-get when
# missing (Debian 12; a system nginx that Debian may start on port 80 is left alone).
# Only loopback traffic; everything it starts is stopped by pid when it exits. About 3 minutes.
#
# Options:
#   --jar PATH            bridge jar (default: http-bridge/target/redis-http-bridge.jar)
#   --java PATH           java for the bridge (default: what http-bridge/run.sh picks, the newest
#                         Java 21+ for the fast path)
#   --held N              held requests per server (default 10000)
#   --no-nchan            measure the bridge only
#   --bridge-args "ARGS"  extra arguments for the bridge
#   --out FILE            results file (default: benchmarks/results/held-requests.md)
#   -h, --help
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# cleanup_on_exit, stop_pid, free_port, start_redis: shared by the scripts that start servers
source "$root/scripts/lib/local-servers.sh"
# java_feature, newest_java, bridge_gc_opts: the bridge's java and collector, as run.sh picks them
source "$root/http-bridge/java-choice.sh"

jar=$root/http-bridge/target/redis-http-bridge.jar
java_bin=""
held=10000
nchan=yes
bridge_args=""
out=$root/benchmarks/results/held-requests.md

die() { echo "held-requests: $*" >&2; exit 2; }
log() { echo "held-requests: $*" >&2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

while (($#)); do
  case $1 in
    --jar) jar=$2; shift 2 ;;
    --java) java_bin=$2; shift 2 ;;
    --held) held=$2; shift 2 ;;
    --no-nchan) nchan=no; shift ;;
    --bridge-args) bridge_args=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

[[ -f $jar ]] || die "no bridge jar at $jar: build it with ./mvnw -B -q package -DskipTests"
command -v redis-server >/dev/null || die "redis-server is missing (apt-get install redis-server)"
client_java=$(command -v java) || die "java is missing"
if [[ $nchan == yes && ! -f /usr/lib/nginx/modules/ngx_nchan_module.so ]]; then
  log "installing nginx and libnginx-mod-nchan"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx \
    libnginx-mod-nchan >/dev/null || die "could not install nginx libnginx-mod-nchan"
fi
# Each side holds N sockets, the client N more.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(( $(ulimit -n) > held + 1000 )) || die "open files limit $(ulimit -n) is too low for $held held requests"

work=$(mktemp -d /tmp/held-requests.XXXXXX)
redis_pid="" bridge_pid="" nginx_pid="" sampler_pid=""
cleanup() {
  stop_pid "$sampler_pid" "heap sampler"
  stop_pid "$bridge_pid" "bridge"
  stop_pid "$nginx_pid" "nginx"
  stop_pid "$redis_pid" "redis-server"
  rm -rf "$work"
}
cleanup_on_exit cleanup

free_port redis_port
start_redis "$redis_port" "$work"
redis-cli -p "$redis_port" SET held:k v >/dev/null

# ---- the bridge -------------------------------------------------------------------------------
free_port bridge_port
# As the README runs it (http-bridge/run.sh: the newest Java 21+), with a 512 MB heap.
newest=$(newest_java) || newest=$client_java
java_bin=${java_bin:-$newest}
# The load client on the newest JDK too: it must cost less than what it measures.
client_java=$newest
if (($(java_feature "$java_bin") < 21)); then
  # The JDK's server on platform threads: each held request holds one of max-concurrent.
  bridge_args="--max-concurrent $((2 * held + 200)) $bridge_args"
fi
# shellcheck disable=SC2086 # bridge_args is a list of words
BRIDGE_JAR=$jar BRIDGE_JAVA=$java_bin BRIDGE_JAVA_OPTS="-Xms256m -Xmx512m" "$root/http-bridge/run.sh" \
  --redis "redis://127.0.0.1:$redis_port" --port "$bridge_port" --pool-size 8 \
  --max-subscribers $((held + 100)) $bridge_args >"$work/bridge.log" 2>&1 &
bridge_pid=$!
for ((i = 0; i < 100; i++)); do
  curl -sf "http://127.0.0.1:$bridge_port/health" >/dev/null 2>&1 \
    && grep -q 'HTTP server: ' "$work/bridge.log" && break
  kill -0 "$bridge_pid" 2>/dev/null || { tail -20 "$work/bridge.log" >&2; die "the bridge exited"; }
  sleep 0.2
done
bridge_java="$("$(readlink -f "/proc/$bridge_pid/exe")" -version 2>&1 | head -n 1), $(grep -o 'HTTP server: [^)]*' "$work/bridge.log" | head -n 1)"
log "bridge on port $bridge_port ($bridge_java), redis on $redis_port"

# The bridge's heap, sampled every second while the load runs (used, as the GC reports it).
(
  while kill -0 "$bridge_pid" 2>/dev/null; do
    # G1 says "used 123456K", ZGC "used 42M": kilobytes either way
    jcmd "$bridge_pid" GC.heap_info 2>/dev/null | grep -oE 'used [0-9]+[KMG]' | head -n 1 \
      | awk '{n = $2 + 0; u = substr($2, length($2)); print (u == "G" ? n * 1048576 : u == "M" ? n * 1024 : n)}' \
      >>"$work/heap.txt" || true
    sleep 1
  done
) &
sampler_pid=$!

started=$SECONDS
SERVER_PIDS=$bridge_pid "$client_java" -Xmx1g "$here/held/HeldLoad.java" bridge "http://127.0.0.1:$bridge_port" \
  "$redis_port" "$held" /GET/held:k | tee "$work/bridge.txt" >&2
bridge_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$bridge_pid/status")
bridge_threads=$(awk '/Threads/ {print $2}' "/proc/$bridge_pid/status")
stop_pid "$sampler_pid" "heap sampler"
sampler_pid=""
heap_max_kb=$(sort -n "$work/heap.txt" 2>/dev/null | tail -n 1)
stop_pid "$bridge_pid" "bridge"
bridge_pid=""
log "bridge measured in $((SECONDS - started)) s"

# ---- Nchan ------------------------------------------------------------------------------------
if [[ $nchan == yes ]]; then
  redis-cli -p "$redis_port" FLUSHALL >/dev/null
  free_port nchan_port
  sed -e "s#@DIR@#$work#g" -e "s#@PORT@#$nchan_port#g" -e "s#@REDIS_PORT@#$redis_port#g" \
    "$here/held/nchan.conf.template" >"$work/nginx.conf"
  nginx -c "$work/nginx.conf" -p "$work" &
  nginx_pid=$!
  for ((i = 0; i < 100; i++)); do
    curl -sf "http://127.0.0.1:$nchan_port/nchan_status" >/dev/null 2>&1 && break
    kill -0 "$nginx_pid" 2>/dev/null || { cat "$work/error.log" >&2; die "nginx exited"; }
    sleep 0.2
  done
  started=$SECONDS
  SERVER_PIDS=$(pgrep -d, -P "$nginx_pid" || true) \
    "$client_java" -Xmx1g "$here/held/HeldLoad.java" nchan "http://127.0.0.1:$nchan_port" \
    "$redis_port" "$held" | tee "$work/nchan.txt" >&2
  nginx_rss_kb=$(awk '/VmRSS/ {s += $2} END {print s}' \
    $(pgrep -P "$nginx_pid" | sed 's#.*#/proc/&/status#') "/proc/$nginx_pid/status")
  stop_pid "$nginx_pid" "nginx"
  nginx_pid=""
  log "nchan measured in $((SECONDS - started)) s"
fi

# ---- the report -------------------------------------------------------------------------------
value() { grep -m1 "^$2 " "$work/$1.txt" | cut -d' ' -f2- || true; }
{
  echo "## Held requests: the bridge beside Nchan ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "\`benchmarks/held-requests.sh --held $held\`; bridge on $bridge_java (-Xmx512m),"
  echo "client: $("$client_java" -version 2>&1 | head -n 1), $(nproc) cores, load average"
  echo "$(cut -d' ' -f1-3 /proc/loadavg) at the end. Half SSE, half long-poll; half of each on one"
  echo "channel, the rest on their own. Latency from the publish call to the client's read of the"
  echo "message; *_poll_replies_complete: to the end of each long-poll's reply."
  echo
  echo "| | bridge | Nchan |"
  echo "| --- | --- | --- |"
  for key in held pubsub_connections channels_subscribed broadcast_listeners broadcast broadcast_by_kind \
      broadcast_poll_replies_complete one_to_one one_to_one_by_kind one_to_one_poll_replies_complete \
      release_clients release get_idle get_held server_cpu client_cpu client_cpu_total \
      first_round.broadcast first_round.broadcast_poll_replies_complete first_round.one_to_one \
      first_round.one_to_one_poll_replies_complete first_round.release first_round.server_cpu; do
    b=$(value bridge "$key")
    n=$([[ $nchan == yes ]] && value nchan "$key" || echo "not run")
    echo "| $key | ${b:-n/a} | ${n:-n/a} |"
  done
  echo "| heap used, max sampled | $((${heap_max_kb:-0} / 1024)) MB | |"
  echo "| resident memory at the end | $((${bridge_rss_kb:-0} / 1024)) MB, $bridge_threads threads | ${nginx_rss_kb:+$((nginx_rss_kb / 1024)) MB} |"
} >"$out"
cat "$out"
