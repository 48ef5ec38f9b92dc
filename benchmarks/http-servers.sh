#!/usr/bin/env bash
# Which implementation of com.sun.net.httpserver should serve the bridge: several bridges, each on
# another HTTP server, JDK or thread kind, and Webdis, all over one Redis, measured in one run.
#
#   benchmarks/http-servers.sh [options]
#
# Every variant is the same bridge jar with its own --http-server and --threads (and class path
# for a provider the jar does not ship); all run side by side, idle while another is loaded. wrk
# loads each in turn (GET, then SET; the order rotates every round) and the report gives each
# variant's requests/s and p99 as a ratio to Webdis's in the same round, medians over rounds.
# Only loopback traffic; everything it starts is stopped by pid when it exits.
#
# Options:
#   --jar PATH          bridge jar (default: http-bridge/target/redis-http-bridge.jar)
#   --java17 PATH       Java 17 binary (default: java)
#   --java25 PATH       Java 21+ binary (default: /usr/lib/jvm/temurin-25-jdk-amd64/bin/java)
#   --jetty VERSION     org.eclipse.jetty:jetty-http-spi version, fetched with mvnw (default 12.1.14;
#                       "none" leaves Jetty out)
#   --variant SPEC      replaces the default list (repeatable): LABEL|JAVA|EXTRA-CLASSPATH|BRIDGE ARGS
#   --duration SECS     measured seconds per variant and workload (default 5)
#   --warmup SECS       warm-up per variant and workload (default 2)
#   --rounds N          rounds (default 2)
#   --connections N     wrk connections (default 50)
#   --java-opts "FLAGS" JVM flags of every bridge (default -Xms256m -Xmx512m)
#   --out FILE          results (default benchmarks/results/http-servers.md)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
source "$root/scripts/lib/local-servers.sh"

jar=$root/http-bridge/target/redis-http-bridge.jar
java17=java
java25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
jetty_version=12.1.14
variants=()
duration=5
warmup=2
rounds=2
connections=50
java_opts="-Xms256m -Xmx512m"
out=$root/benchmarks/results/http-servers.md

die() { echo "http-servers: $*" >&2; exit 2; }
log() { echo "http-servers: $*" >&2; }

while (($#)); do
  case $1 in
    --jar) jar=$2; shift 2 ;;
    --java17) java17=$2; shift 2 ;;
    --java25) java25=$2; shift 2 ;;
    --jetty) jetty_version=$2; shift 2 ;;
    --variant) variants+=("$2"); shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --java-opts) java_opts=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done
for n in duration warmup rounds connections; do
  [[ ${!n} =~ ^[0-9]+$ ]] || die "--$n must be a whole number, got '${!n}'"
done
for tool in redis-server webdis wrk; do command -v "$tool" >/dev/null || die "missing $tool: apt-get install -y webdis wrk redis-server"; done
[[ -f $jar ]] || die "bridge jar not found: $jar (./mvnw -pl http-bridge -am package -DskipTests)"

jetty_cp=""
if [[ $jetty_version != none ]]; then
  "$root/mvnw" -B -q dependency:get -Dartifact="org.eclipse.jetty:jetty-http-spi:$jetty_version" >/dev/null \
    || die "could not fetch jetty-http-spi $jetty_version"
  m2=${MAVEN_REPO:-$HOME/.m2/repository}/org/eclipse/jetty
  for a in jetty-http-spi jetty-server jetty-http jetty-io jetty-util; do
    [[ -f $m2/$a/$jetty_version/$a-$jetty_version.jar ]] || die "missing $a $jetty_version in the local Maven repository"
    jetty_cp+="${jetty_cp:+:}$m2/$a/$jetty_version/$a-$jetty_version.jar"
  done
fi

if ((${#variants[@]} == 0)); then
  variants=(
    "jdk17 built-in, 32 platform threads|$java17||--http-server jdk --threads platform"
    "jdk25 built-in, 32 platform threads|$java25||--http-server jdk --threads platform"
    "jdk25 built-in, virtual threads|$java25||--http-server jdk --threads virtual"
    "jdk25 robaho, virtual threads|$java25||--http-server robaho --threads virtual"
    "jdk25 robaho, platform threads|$java25||--http-server robaho --threads platform"
    "jdk25 robaho, virtual threads, max-concurrent 256|$java25||--http-server robaho --threads virtual --max-concurrent 256 --pool-size 32"
    "jdk25 epoll (the bridge's own), virtual threads|$java25||--http-server epoll --threads virtual"
  )
  if [[ -n $jetty_cp ]]; then
    variants+=(
      "jdk17 jetty, its own thread pool|$java17|$jetty_cp|--http-server jetty --threads platform"
      "jdk25 jetty, its own thread pool|$java25|$jetty_cp|--http-server jetty --threads platform"
    )
  fi
fi
n=${#variants[@]}
estimate=$(((n + 1) * 2 * (warmup + rounds * duration) + 20))
((estimate <= 295)) || die "this would run about ${estimate} s; keep it under 5 minutes (fewer variants, lower --duration or --rounds)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/http-servers.XXXXXX")
redis_pid="" webdis_pid="" pids=()
# shellcheck disable=SC2317
cleanup() {
  local p
  for p in "${pids[@]}"; do stop_pid "$p" bridge; done
  stop_pid "$webdis_pid" webdis
  stop_pid "$redis_pid" redis-server
  rm -rf "$tmp"
}
cleanup_on_exit cleanup

http_status() { # port path: the status code of a GET (HTTP/1.0, whole reply read)
  local reply
  exec 4<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&4
  reply=$(timeout 5 head -n 1 <&4 | tr -d '\r') || true
  exec 4<&- 4>&-
  echo "$reply" | cut -d' ' -f2
}

wait_up() { # name pid port log
  local i
  for ((i = 0; i < 300; i++)); do
    kill -0 "$2" 2>/dev/null || { tail -n 20 "$4" >&2; die "$1 exited at start"; }
    [[ $(http_status "$3" /PING 2>/dev/null || true) == 200 ]] && return 0
    sleep 0.1
  done
  tail -n 20 "$4" >&2
  die "$1 did not answer on port $3 in 30 s"
}

free_port redis_port
start_redis "$redis_port" "$tmp"
value=$(head -c 64 /dev/zero | tr '\0' 'v')
exec 3<>"/dev/tcp/127.0.0.1/$redis_port"
printf '*3\r\n$3\r\nSET\r\n$9\r\nbench:get\r\n$64\r\n%s\r\n' "$value" >&3
IFS= read -r -t 5 line <&3 || die "could not preload bench:get"
exec 3<&- 3>&-

free_port webdis_port
sed -e "s|@REDIS_PORT@|$redis_port|; s|@HTTP_PORT@|$webdis_port|; s|@THREADS@|2|" \
  -e "s|@POOL_SIZE@|4|; s|@TMP@|$tmp|g" "$here/bridge/webdis.json.template" >"$tmp/webdis.json"
(cd "$tmp" && exec webdis "$tmp/webdis.json" >"$tmp/webdis.out" 2>&1) &
webdis_pid=$!
wait_up webdis "$webdis_pid" "$webdis_port" "$tmp/webdis.out"

ports=() labels=() startup=()
for ((i = 0; i < n; i++)); do
  IFS='|' read -r label jbin extra args <<<"${variants[$i]}"
  free_port port
  # -jar where the class path is the jar alone, as run.sh does: its manifest opens what the epoll
  # server and direct sends need; -cp (no manifest) only to add a candidate's jars (Jetty)
  if [[ -n $extra ]]; then launch=(-cp "$jar:$extra" io.github.resilientredis.bridge.Main); else launch=(-jar "$jar"); fi
  # shellcheck disable=SC2206 # flag lists on purpose
  cmd=("$jbin" $java_opts "${launch[@]}" --redis "redis://127.0.0.1:$redis_port" --port "$port" $args)
  env -u REDIS_URL -u BRIDGE_PORT -u BRIDGE_HTTP_SERVER -u BRIDGE_THREADS "${cmd[@]}" >"$tmp/bridge-$i.log" 2>&1 &
  pids+=($!)
  wait_up "$label" "$!" "$port" "$tmp/bridge-$i.log"
  ports+=("$port") labels+=("$label")
  startup+=("$(grep -o 'HTTP server: .*' "$tmp/bridge-$i.log" | head -n 1)")
  log "$label on :$port (${startup[$i]})"
done

run_wrk() { # file port workload secs
  local args=() url="http://127.0.0.1:$2"
  if [[ $3 == GET ]]; then url+="/GET/bench:get"; else args=(-s "$here/bridge/set.lua"); fi
  timeout --kill-after=5 $(($4 + 30)) wrk -t 2 -c "$connections" -d "${4}s" --timeout 5s --latency \
    "${args[@]}" "$url" ${args:+-- "bench:set:$2" "$value"} >"$1" 2>&1 || { cat "$1" >&2; die "wrk failed on :$2"; }
}
to_ms() {
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v } else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 } else printf "nan" }'
}
parse() { # file -> rps p99 errors
  local rps p99 bad
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$1")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$1")")
  bad=$(awk '/Non-2xx or 3xx responses:/ {s += $NF} /Socket errors:/ {for (i = 3; i <= NF; i++) {g = $i; gsub(/[^0-9]/, "", g); s += g}} END {print s + 0}' "$1")
  echo "${rps:-0} ${p99:-nan} $bad"
}

all_ports=("${ports[@]}" "$webdis_port")
log "$n bridges and webdis over redis :$redis_port; about $estimate s"
for workload in GET SET; do
  if ((warmup > 0)); then
    for ((i = 0; i <= n; i++)); do run_wrk "$tmp/warm.txt" "${all_ports[$i]}" "$workload" "$warmup"; done
  fi
done
for ((r = 1; r <= rounds; r++)); do
  for workload in GET SET; do
    for ((k = 0; k <= n; k++)); do
      i=$(((k + r - 1) % (n + 1)))   # rotate who goes first
      run_wrk "$tmp/$workload-$i-$r.txt" "${all_ports[$i]}" "$workload" "$duration"
      read -r rps p99 bad < <(parse "$tmp/$workload-$i-$r.txt")
      log "round $r $workload ${labels[$i]:-webdis}: $rps req/s, p99 $p99 ms, errors $bad"
    done
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
errors=0
{
  echo "# HTTP servers for the bridge, against Webdis"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores. One run: every variant and Webdis over one Redis, loaded in turn"
  echo "(wrk -t2 -c$connections, ${duration} s, $rounds rounds rotating the order, ${warmup} s warm-up); ratios are to Webdis in"
  echo "the same round, then the median. Java 17: $("$java17" -version 2>&1 | head -n 1); Java 25: $("$java25" -version 2>&1 | head -n 1)."
  echo "JVM flags \`$java_opts\`; Webdis $(dpkg-query -W -f='${Version}' webdis 2>/dev/null || echo '?') (2 threads)."
  echo
  echo "| variant | GET requests/s | GET / Webdis | GET p99 ms | p99 / Webdis's | SET requests/s | SET / Webdis | SET p99 ms | p99 / Webdis's |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for ((i = 0; i <= n; i++)); do
    row="| ${labels[$i]:-Webdis}"
    for workload in GET SET; do
      rl="" ratios="" pl="" pratios=""
      for ((r = 1; r <= rounds; r++)); do
        read -r rps p99 bad < <(parse "$tmp/$workload-$i-$r.txt")
        read -r wrps wp99 _ < <(parse "$tmp/$workload-$n-$r.txt")
        errors=$((errors + bad))
        rl+=" $rps" pl+=" $p99"
        ratios+=" $(awk -v a="$rps" -v b="$wrps" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}')"
        pratios+=" $(awk -v a="$p99" -v b="$wp99" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}')"
      done
      row+=" | $(median <<<"$rl" | awk '{printf "%.0f", $1}') | $(median <<<"$ratios" | awk '{printf "%.2f", $1}')"
      row+=" | $(median <<<"$pl" | awk '{printf "%.2f", $1}') | $(median <<<"$pratios" | awk '{printf "%.2f", $1}')"
    done
    echo "$row |"
  done
  echo
  echo "Startup lines:"
  echo
  for ((i = 0; i < n; i++)); do echo "- ${labels[$i]}: ${startup[$i]}"; done
  ((errors == 0)) || { echo; echo "**Warning:** $errors non-2xx replies or socket errors; those rows are not comparable."; }
} >"$tmp/results.md"
cat "$tmp/results.md"
mkdir -p "$(dirname "$out")"
cp "$tmp/results.md" "$out"
log "results written to $out"
