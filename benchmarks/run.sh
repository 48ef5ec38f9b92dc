#!/usr/bin/env bash
# Every benchmark of issue 4 in one run, then BENCHMARKS.md at the repository root.
#
#   benchmarks/run.sh [options]
#
# 1. Pool overhead (JMH): borrow + return at 1, 2, 8, 32 threads, resilient-redis vs commons-pool2
#    GenericObjectPool vs JedisPool, 8 real connections each.
# 2. End to end: GET and SET from 8 threads, pool.client() vs JedisPool (defaults, testOnBorrow)
#    vs Jedis 8 RedisClient vs redis-benchmark -c 8 -P 1, interleaved round by round; then GET from
#    32 threads sharing 8 connections, pool.client() vs JedisPool.
# 3. The stale scenario: failures and time to first success after idle past the server's timeout,
#    CLIENT KILL, a restart with a 2 s gap, and a kill inside the pool's alive-bypass window.
# 4. JFR profiles of the borrow/return path and the end-to-end GET path, summarized.
# 5. The HTTP bridge against Webdis (benchmarks/bridge-vs-webdis.sh, if present).
# 6. A Sentinel failover under load: the pool against Jedis RedisSentinelClient, Lettuce
#    master/replica and Redisson, each on a fresh master, replica and sentinel.
#
# About 8 minutes on a 2-core machine with the defaults. Starts its own redis-server processes on
# free loopback ports (never 6379), and stops everything it started by pid when it exits.
# Results are ratios measured side by side in this run: the machine may be shared and noisy.
#
# Options (durations are per measurement):
#   --jmh-threads "1 2 8 32"   JMH thread counts (default "1 2 8 32")
#   --jmh-warmup-iterations N  (default 2)      --jmh-warmup-time T (default 1s)
#   --jmh-iterations N         (default 3)      --jmh-time T        (default 2s)
#   --e2e-duration SECS        (default 3)      --e2e-warmup SECS   (default 1)
#   --e2e-rounds N             (default 3)      --e2e-threads N     (default 8)
#   --value-size BYTES         (default 64)
#   --stale-repeat N           runs per stale-scenario row (default 3)
#   --profile-time T           JMH measurement time while recording JFR (default 5s)
#   --bridge-duration SECS     (default 5)      --bridge-warmup SECS (default 3)
#   --bridge-rounds N          (default 3)
#   --sentinel-rounds N        failovers per client (default 1; about 12 s each)
#   --skip LIST                comma list of: overhead,e2e,e2e-32x8,stale,profile,bridge,sentinel
#   --no-build                 use the jars already in */target
#   --report-only              run nothing: write the report again from benchmarks/results/
#   --java PATH                java binary (default: $JAVA_HOME/bin/java, else java)
#   --out FILE                 report (default: BENCHMARKS.md at the repository root)
#   -h, --help
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# cleanup_on_exit, stop_pid, free_port, start_redis: shared by the scripts that start servers
source "$root/scripts/lib/local-servers.sh"

jmh_threads="1 2 8 32"
jmh_wi=2 jmh_w=1s jmh_i=3 jmh_r=2s
e2e_duration=3 e2e_warmup=1 e2e_rounds=3 e2e_threads=8
value_size=64
stale_repeat=3
profile_time=5s
bridge_duration=5 bridge_warmup=3 bridge_rounds=3
sentinel_rounds=1
skip=""
build=1
report_only=0
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
out=$root/BENCHMARKS.md

die() { echo "run.sh: $*" >&2; exit 2; }
log() { echo "run.sh [$(date +%H:%M:%S)]: $*" >&2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

while (($#)); do
  case $1 in
    --jmh-threads) jmh_threads=$2; shift 2 ;;
    --jmh-warmup-iterations) jmh_wi=$2; shift 2 ;;
    --jmh-warmup-time) jmh_w=$2; shift 2 ;;
    --jmh-iterations) jmh_i=$2; shift 2 ;;
    --jmh-time) jmh_r=$2; shift 2 ;;
    --e2e-duration) e2e_duration=$2; shift 2 ;;
    --e2e-warmup) e2e_warmup=$2; shift 2 ;;
    --e2e-rounds) e2e_rounds=$2; shift 2 ;;
    --e2e-threads) e2e_threads=$2; shift 2 ;;
    --value-size) value_size=$2; shift 2 ;;
    --stale-repeat) stale_repeat=$2; shift 2 ;;
    --profile-time) profile_time=$2; shift 2 ;;
    --bridge-duration) bridge_duration=$2; shift 2 ;;
    --bridge-warmup) bridge_warmup=$2; shift 2 ;;
    --bridge-rounds) bridge_rounds=$2; shift 2 ;;
    --sentinel-rounds) sentinel_rounds=$2; shift 2 ;;
    --skip) skip=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --report-only) report_only=1; build=0; shift ;;
    --java) java_bin=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done

for n in jmh_wi jmh_i e2e_rounds e2e_threads value_size stale_repeat bridge_duration bridge_warmup bridge_rounds sentinel_rounds; do
  [[ ${!n} =~ ^[0-9]+$ ]] || die "--${n//_/-} must be a whole number, got '${!n}'"
done
for n in e2e_duration e2e_warmup; do
  [[ ${!n} =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--${n//_/-} must be a number of seconds, got '${!n}'"
done
for n in jmh_w jmh_r profile_time; do
  [[ ${!n} =~ ^[0-9]+(ms|s)$ ]] || die "--${n//_/-} must look like 2s or 500ms, got '${!n}'"
done
for t in $jmh_threads; do [[ $t =~ ^[0-9]+$ && $t -ge 1 && $t -le 256 ]] || die "bad JMH thread count '$t'"; done
wants() { ((!report_only)) && [[ ",$skip," != *",$1,"* ]]; }
# In the report: what this run measured, or (with --report-only) what the last run left.
shows() { # step file
  if ((report_only)); then [[ -f $2 ]]; else wants "$1" && [[ -f $2 ]]; fi
}

# ---- prerequisites ----------------------------------------------------------------------------
missing=()
for tool in redis-server redis-benchmark; do command -v "$tool" >/dev/null || missing+=("$tool"); done
((${#missing[@]} == 0)) || die "missing ${missing[*]}: apt-get install -y redis-server (it brings redis-benchmark)"
command -v "$java_bin" >/dev/null || die "java not found ($java_bin): install a JDK 17+ or pass --java"
"$java_bin" -XX:+IgnoreUnrecognizedVMOptions -version >/dev/null 2>&1 || die "$java_bin does not run"

mkdir -p "$here/results"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/resilient-redis-bench.XXXXXX")
redis_pid="" child_pid=""
commands=()
started=$(date +%s)

# ---- clean-up of everything this script starts ------------------------------------------------
stop_pidfile() { # pidfile: the redis-server a Java benchmark started, if the JVM left it behind
  local f=$1 pid
  [[ -f $f ]] || return 0
  pid=$(cat "$f" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null && stop_pid "$pid" "redis-server (from $f)"
  return 0
}
cleanup() {
  stop_pid "$child_pid" "benchmark"
  stop_pidfile "$tmp/stale/redis.pid"
  stop_pid "$redis_pid" redis-server
  rm -rf "$tmp"
}
cleanup_on_exit cleanup

# Runs a command in the background (so that a signal reaches the trap at once), bounded in time.
run_bounded() { # secs logfile cmd...
  local secs=$1 logfile=$2 rc=0
  shift 2
  commands+=("$(printf '%q ' "$@" | sed "s|$root/||g; s|$tmp|\$TMP|g")")
  timeout --kill-after=10 "$secs" "$@" >"$logfile" 2>&1 &
  child_pid=$!
  wait "$child_pid" || rc=$?
  child_pid=""
  if ((rc != 0)); then
    tail -n 40 "$logfile" >&2
    ((rc == 124)) && log "timed out after $secs s: $*"
  fi
  return "$rc"
}

redis_port="" stale_port=""

# ---- build ------------------------------------------------------------------------------------
jar=$here/target/benchmarks.jar
if ((build)); then
  mvn_cmd=mvn
  [[ -x $root/mvnw ]] && mvn_cmd=$root/mvnw
  cd "$root" # the wrapper finds .mvn from here
  log "building the pool and target/benchmarks.jar"
  run_bounded 600 "$tmp/build.log" "$mvn_cmd" -B -q -pl benchmarks -am package -DskipTests \
    || die "build failed (log above)"
  if wants bridge && [[ -f $here/bridge-vs-webdis.sh ]]; then
    log "building the HTTP bridge"
    run_bounded 600 "$tmp/build-bridge.log" "$mvn_cmd" -B -q -pl http-bridge -am package -DskipTests \
      || log "the bridge did not build; its benchmark will be skipped"
  fi
fi
[[ -f $jar ]] || die "$jar is missing: build it with ./mvnw -pl benchmarks -am package -DskipTests"

# ---- the Redis for the overhead and end-to-end benchmarks ------------------------------------
if ((!report_only)); then
free_port redis_port
start_redis "$redis_port" "$tmp" # sets redis_pid
commands+=("redis-server --port $redis_port --bind 127.0.0.1 --save '' --appendonly no --daemonize no --dir \$TMP --logfile \$TMP/redis.log")
log "redis-server on 127.0.0.1:$redis_port (pid $redis_pid)"
fi
jvm=(-Xms1g -Xmx1g)

# ---- 1. pool overhead -------------------------------------------------------------------------
jmh_common=(-f 1 -wi "$jmh_wi" -w "$jmh_w" -i "$jmh_i" -r "$jmh_r" -foe true -p "redisPort=$redis_port"
  -prof io.github.resilientredis.benchmarks.CpuTimeProfiler)
if wants overhead; then
  jsons=()
  for t in $jmh_threads; do
    log "pool overhead, $t thread(s)"
    run_bounded 600 "$here/results/pool-overhead-t$t.txt" "$java_bin" "${jvm[@]}" -jar "$jar" \
      PoolOverheadBenchmark "${jmh_common[@]}" -t "$t" -jvmArgsAppend "${jvm[*]}" \
      -rf json -rff "$here/results/pool-overhead-t$t.json" || die "JMH failed"
    jsons+=("$here/results/pool-overhead-t$t.json")
  done
  "$java_bin" -cp "$jar" io.github.resilientredis.benchmarks.JmhReport "${jsons[@]}" >"$here/results/pool-overhead.md"
  cat "$here/results/pool-overhead.md" >&2
fi

# ---- 2. end to end ----------------------------------------------------------------------------
if wants e2e; then
  log "end to end, $e2e_rounds rounds"
  run_bounded 900 "$here/results/end-to-end.log" "$java_bin" "${jvm[@]}" -cp "$jar" \
    io.github.resilientredis.benchmarks.EndToEnd --port "$redis_port" --threads "$e2e_threads" \
    --duration "$e2e_duration" --warmup "$e2e_warmup" --rounds "$e2e_rounds" --value-size "$value_size" \
    --redis-benchmark "$(command -v redis-benchmark)" --out "$here/results/end-to-end.md" || die "end-to-end failed"
  cat "$here/results/end-to-end.md" >&2
fi
if wants e2e-32x8; then
  log "end to end, 32 threads sharing 8 connections"
  run_bounded 600 "$here/results/end-to-end-32x8.log" "$java_bin" "${jvm[@]}" -cp "$jar" \
    io.github.resilientredis.benchmarks.EndToEnd --port "$redis_port" --threads 32 --connections 8 \
    --clients resilient,jedispool --workloads GET --duration "$e2e_duration" --warmup "$e2e_warmup" \
    --rounds "$e2e_rounds" --value-size "$value_size" --out "$here/results/end-to-end-32x8.md" \
    || die "end-to-end (32 threads) failed"
  cat "$here/results/end-to-end-32x8.md" >&2
fi

# ---- 3. stale connections ---------------------------------------------------------------------
if wants stale; then
  log "stale scenarios (its own redis-server, restarted once per client)"
  free_port stale_port
  run_bounded 600 "$here/results/stale.log" "$java_bin" "${jvm[@]}" -cp "$jar" \
    io.github.resilientredis.benchmarks.StaleScenario --port "$stale_port" --dir "$tmp/stale" \
    --redis-server "$(command -v redis-server)" --repeat "$stale_repeat" --out "$here/results/stale.md" \
    || die "stale scenarios failed"
  stop_pidfile "$tmp/stale/redis.pid"
  cat "$here/results/stale.md" >&2
fi

# ---- 4. JFR profiles --------------------------------------------------------------------------
if wants profile; then
  mkdir -p "$here/results/jfr"
  jfr_opts=(-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints)
  jfr_settings="settings=profile,method-profiling=max,locking-threshold=0ms"
  for spec in resilientPool:1 resilientPool:8 genericObjectPool:8; do
    bench=${spec%:*} t=${spec#*:}
    rec=$here/results/jfr/$bench-t$t.jfr
    log "JFR: $bench at $t thread(s)"
    run_bounded 300 "$tmp/jfr-$bench-t$t.txt" "$java_bin" "${jvm[@]}" -jar "$jar" \
      "PoolOverheadBenchmark.$bench\$" -f 1 -wi 1 -w 2s -i 1 -r "$profile_time" -foe true \
      -p "redisPort=$redis_port" -t "$t" \
      -jvmArgsAppend "${jvm[*]} ${jfr_opts[*]} -XX:StartFlightRecording:$jfr_settings,filename=$rec" || die "JMH with JFR failed"
    "$java_bin" -cp "$jar" io.github.resilientredis.benchmarks.JfrSummary --file "$rec" \
      --threads jmh-worker --top 10 --title "$bench, $t thread(s): $(grep -E "^PoolOverheadBenchmark" "$tmp/jfr-$bench-t$t.txt" | awk '{print $(NF-1), $NF}')" \
      >"$here/results/jfr-$bench-t$t.md"
  done
  rec=$here/results/jfr/end-to-end-get.jfr
  log "JFR: end-to-end GET through pool.client()"
  run_bounded 300 "$tmp/jfr-e2e.txt" "$java_bin" "${jvm[@]}" "${jfr_opts[@]}" \
    "-XX:StartFlightRecording:$jfr_settings,filename=$rec" -cp "$jar" \
    io.github.resilientredis.benchmarks.EndToEnd --port "$redis_port" --threads "$e2e_threads" \
    --clients resilient --workloads GET --warmup 3 --rounds 1 --duration 8 || die "end-to-end with JFR failed"
  "$java_bin" -cp "$jar" io.github.resilientredis.benchmarks.JfrSummary --file "$rec" \
    --threads load-resilient --top 12 --title "end-to-end GET, pool.client(), $e2e_threads threads: $(grep -E '^\| GET' "$tmp/jfr-e2e.txt" | awk -F'|' '{gsub(/ /, "", $4); print $4}') req/s under JFR" \
    >"$here/results/jfr-end-to-end-get.md"
fi

# ---- 5. the bridge against Webdis -------------------------------------------------------------
bridge_note=""
if wants bridge; then
  bridge_script=$here/bridge-vs-webdis.sh
  if [[ ! -f $bridge_script ]]; then
    bridge_note="benchmarks/bridge-vs-webdis.sh does not exist yet: not run."
  else
    log "the bridge against Webdis"
    if run_bounded 400 "$tmp/bridge.log" bash "$bridge_script" --java "$java_bin" \
      --duration "$bridge_duration" --warmup "$bridge_warmup" --rounds "$bridge_rounds" --value-size "$value_size" \
      --out "$here/results/bridge-vs-webdis.md"; then
      bridge_note=""
    else
      bridge_note="bridge-vs-webdis.sh failed in this run (exit $?); its last lines: $(tail -n 3 "$tmp/bridge.log" | tr '\n' ' ')"
    fi
  fi
fi

# ---- 6. a Sentinel failover --------------------------------------------------------------------
if wants sentinel; then
  log "a Sentinel failover under load, client by client (its own redis-server processes)"
  run_bounded 900 "$here/results/sentinel-failover.log" "$java_bin" "${jvm[@]}" -cp "$jar" \
    io.github.resilientredis.benchmarks.SentinelFailover --dir "$tmp/sentinel" \
    --redis-server "$(command -v redis-server)" --rounds "$sentinel_rounds" \
    --out "$here/results/sentinel-failover.md" || die "the Sentinel failover benchmark failed"
  cat "$here/results/sentinel-failover.md" >&2
fi

# ---- the report -------------------------------------------------------------------------------
run_file=$here/results/last-run.txt # when, how long, and the exact commands of the last real run
if ((report_only)); then
  [[ -f $run_file ]] || die "no $run_file: run the benchmarks first"
  run_date=$(sed -n 1p "$run_file") elapsed=$(sed -n 2p "$run_file") bridge_note=$(sed -n 3p "$run_file")
  mapfile -t commands < <(sed -n '4,$p' "$run_file")
else
  run_date=$(date -u '+%Y-%m-%d %H:%M UTC') elapsed=$(($(date +%s) - started))
  printf '%s\n' "$run_date" "$elapsed" "$bridge_note" "${commands[@]}" >"$run_file"
fi
pom_version() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$2" | head -n 1; }
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || echo unknown)
jdk=$("$java_bin" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.runtime.version|java.vm.name|java.vendor =/ {printf "%s%s", sep, $2; sep=", "}')
redis_version=$(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')
section() { # step title file
  echo "## $2"
  echo
  if shows "$1" "$3"; then cat "$3"; else echo "Not run."; fi
  echo
}
{
  echo "# Benchmarks"
  echo
  echo "Written by \`benchmarks/run.sh\` on $run_date in ${elapsed} s. Every comparison is a"
  echo "ratio of measurements taken side by side in this one run, on the same Redis: the machine is"
  echo "shared and noisy, so absolute numbers from different runs must not be compared. Rerun with"
  echo "\`benchmarks/run.sh\` (\`--help\` for shorter or longer durations)."
  echo
  echo "## Machine and versions"
  echo
  echo "- $(nproc) cores, $cpu; $mem of memory; Linux $(uname -r)"
  echo "- JDK: $jdk; JVM flags ${jvm[*]}"
  echo "- Redis $redis_version (\`redis-server --save '' --appendonly no\` on loopback), redis-benchmark of the same package"
  echo "- Jedis $(pom_version jedis.version "$root/pom.xml"), commons-pool2 $(pom_version commons-pool2.version "$root/pom.xml"), JMH $(pom_version jmh.version "$here/pom.xml"); resilient-redis $(pom_version version "$root/pom.xml") from this working tree ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "no git")$(git -C "$root" diff --quiet HEAD -- pool 2>/dev/null || echo ", with uncommitted pool changes"))"
  echo
  echo "## Targets of issue 4 in this run"
  echo
  if shows overhead "$here/results/pool-overhead.md"; then
    sed -n 's/^Targets: /- Pool overhead: /p' "$here/results/pool-overhead.md"
  fi
  if shows e2e "$here/results/end-to-end.md"; then
    awk -F'|' '/: met|: \*\*missed/ {for (i = 2; i <= 6; i++) gsub(/^ +| +$/, "", $i);
      printf "- End to end, %s, resilient-redis / %s: %s (min - max over rounds %s; target %s)\n", $2, $3, $4, $5, $6}' \
      "$here/results/end-to-end.md"
  fi
  if shows stale "$here/results/stale.md"; then
    awk -F'|' '/^\| [a-z-]+ \| / && !/^\| scenario / {for (i = 2; i <= 4; i++) gsub(/^ +| +$/, "", $i); f[$2] = f[$2] (f[$2] ? "; " : "") $3 " " $4}
      END {for (s in f) printf "- Stale connections, %s (failed / 64): %s\n", s, f[s]}' "$here/results/stale.md" | sort
  fi
  echo
  if [[ -f $here/src/report/findings.md ]]; then
    cat "$here/src/report/findings.md"
    echo
  fi
  section overhead "1. Pool overhead: borrow + return (JMH)" "$here/results/pool-overhead.md"
  echo "Each pool holds 8 open connections to the same Redis; nothing is sent. resilient-redis:"
  echo "\`pool.withConnection(c -> null)\`, a connection used moments ago, so lent with no check."
  echo "GenericObjectPool: \`GenericObjectPool<Connection>\` of plain Jedis connections, default config"
  echo "(maxTotal 8, LIFO, no validation, no evictor), \`borrowObject()\` + \`returnObject()\`. JedisPool:"
  echo "\`JedisPoolConfig\` defaults, \`getResource()\` + \`close()\`. Raw JMH output: \`benchmarks/results/pool-overhead-t*.txt\`."
  echo
  section e2e "2. End to end: GET and SET from 8 threads" "$here/results/end-to-end.md"
  echo "Java clients: 8 connections each (\`maxTotal 8\`), the same JVM, String API. redis-benchmark:"
  echo "\`-c 8 -P 1 -d 64 -t get|set -n <rate x duration>\` against the same key and value size (see the commands below)."
  echo
  section e2e-32x8 "2b. End to end: GET from 32 threads sharing 8 connections" "$here/results/end-to-end-32x8.md"
  echo "More borrowers than connections: resilient-redis queues waiters first come, first served and hands"
  echo "each returned connection to the oldest; commons-pool2 (non-fair by default) lets whichever thread"
  echo "runs next take it. Compare p99 as well as requests/s."
  echo
  section stale "3. Stale connections" "$here/results/stale.md"
  echo "All clients with their default settings and 8 connections. resilient-redis reads the server's"
  echo "\`timeout\` at start and heartbeats at two thirds of it; the others do nothing in the background"
  echo "within these few seconds (their evictor runs every 30 s)."
  echo
  echo "## 4. Profiles (JFR)"
  echo
  if shows profile "$here/results/jfr-end-to-end-get.md"; then
    echo "Recorded with \`-XX:+DebugNonSafepoints -XX:StartFlightRecording:settings=profile,method-profiling=max,locking-threshold=0ms\`, summarized by"
    echo "\`JfrSummary\` (recordings in \`benchmarks/results/jfr/\`, not committed)."
    echo
    for f in "$here"/results/jfr-resilientPool-t1.md "$here"/results/jfr-resilientPool-t8.md \
      "$here"/results/jfr-genericObjectPool-t8.md "$here"/results/jfr-end-to-end-get.md; do
      [[ -f $f ]] && { cat "$f"; echo; }
    done
  else
    echo "Skipped."
    echo
  fi
  echo "## 5. The HTTP bridge against Webdis"
  echo
  if [[ -n $bridge_note ]]; then
    echo "$bridge_note"
  elif shows bridge "$here/results/bridge-vs-webdis.md"; then
    sed '1{/^# /d}' "$here/results/bridge-vs-webdis.md"
  else
    echo "Skipped."
  fi
  echo
  section sentinel "6. A Sentinel failover: following the master" "$here/results/sentinel-failover.md"
  echo "## Commands run"
  echo
  echo '```sh'
  printf '%s\n' "${commands[@]}"
  echo '```'
} >"$out"
log "wrote $out in ${elapsed} s"
