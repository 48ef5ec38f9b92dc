#!/usr/bin/env bash
# Load test: the HTTP bridge against Webdis, over the same Redis, in one run.
#
#   benchmarks/bridge-vs-webdis.sh [options]
#
# Starts its own redis-server, the bridge jar and webdis on free loopback ports, warms both,
# then runs wrk against each in turn (GET, then SET, bridge and webdis interleaved), with the
# Webdis URL API both servers speak (/GET/key, /SET/key/value). Prints a Markdown table of
# requests/s, latency percentiles and CPU time per request (server and Redis, read from /proc:
# steadier than requests/s on a shared machine) with the ratio bridge/webdis, and writes it to a
# file. It also loads three requests that touch no Redis, to compare the HTTP layers alone: the
# bridge's /health, Webdis's OPTIONS, and (when the bridge's java is 22+) /health of
# benchmarks/bridge/EpollFloor.java, the least a Java server can do per request here.
# Only loopback traffic; everything it starts is stopped by pid when it exits.
#
# Options:
#   --jar PATH            bridge jar (default: http-bridge/target/redis-http-bridge.jar)
#   --duration SECS       measured seconds per run (default 10)
#   --warmup SECS         warm-up seconds per server and workload, not reported (default 5)
#   --rounds N            measured rounds, alternating which server goes first; medians are reported (default 3)
#   --connections N       wrk connections (default 50)
#   --threads N           wrk threads (default 2)
#   --value-size BYTES    size of the values read and written (default 64)
#   --webdis-threads N    webdis worker threads (default 2, one per core here)
#   --java PATH           java binary for the bridge (default: $JAVA_HOME/bin/java, else java)
#   --java-opts "FLAGS"   JVM flags for the bridge (default: $BRIDGE_JAVA_OPTS or -Xms256m -Xmx512m, and
#                         -XX:+UseZGC on Java 21+, as http-bridge/run.sh)
#   --bridge-args "ARGS"  extra arguments for the bridge
#   --token TOKEN         start the bridge with this token and send it (default: no token, like webdis)
#   --out FILE            results file (default: benchmarks/results/bridge-vs-webdis.md)
#   -h, --help
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# cleanup_on_exit, stop_pid, free_port, start_redis: shared by the scripts that start servers
source "$root/scripts/lib/local-servers.sh"
# java_feature, newest_java, bridge_gc_opts: the bridge's java and collector, as run.sh picks them
source "$root/http-bridge/java-choice.sh"

jar=$root/http-bridge/target/redis-http-bridge.jar
duration=10
warmup=5
rounds=3
connections=50
threads=2
value_size=64
webdis_threads=2
webdis_pool=4
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
java_opts=${BRIDGE_JAVA_OPTS:-}  # default below: as http-bridge/run.sh runs it
bridge_args=""
token=""
out=$root/benchmarks/results/bridge-vs-webdis.md

die() { echo "bridge-vs-webdis: $*" >&2; exit 2; }
log() { echo "bridge-vs-webdis: $*" >&2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

while (($#)); do
  case $1 in
    --jar) jar=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --value-size) value_size=$2; shift 2 ;;
    --webdis-threads) webdis_threads=$2; shift 2 ;;
    --java) java_bin=$2; shift 2 ;;
    --java-opts) java_opts=$2; shift 2 ;;
    --bridge-args) bridge_args=$2; shift 2 ;;
    --token) token=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done

for n in duration warmup rounds connections threads value_size webdis_threads; do
  [[ ${!n} =~ ^[0-9]+$ ]] || die "--${n//_/-} must be a whole number, got '${!n}'"
done
((duration >= 1 && rounds >= 1 && connections >= 1 && threads >= 1 && value_size >= 1)) || die "durations and counts must be at least 1"
((connections >= threads)) || die "--connections must be at least --threads"
estimate=$((7 * (warmup + rounds * duration) + 20))
((estimate <= 290)) || die "this would run about ${estimate} s; keep it under 5 minutes (lower --duration, --rounds or --warmup)"

# ---- prerequisites ----------------------------------------------------------------------------
missing=()
for tool in redis-server webdis wrk; do command -v "$tool" >/dev/null || missing+=("$tool"); done
((${#missing[@]} == 0)) || die "missing ${missing[*]}: apt-get install -y webdis wrk redis-server"
command -v "$java_bin" >/dev/null || die "java not found ($java_bin): apt-get install -y openjdk-17-jre-headless, or pass --java"
[[ -f $jar ]] || die "bridge jar not found: $jar (build it: ./mvnw -pl http-bridge -am package -DskipTests)"
jar=$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")
for f in webdis.json.template set.lua options.lua EpollFloor.java; do
  [[ -f $here/bridge/$f ]] || die "benchmarks/bridge/$f is missing"
done

# ---- clean-up of everything this script starts ------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bridge-vs-webdis.XXXXXX")
redis_pid="" bridge_pid="" webdis_pid="" floor_pid=""

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
  stop_pid "$bridge_pid" bridge
  stop_pid "$webdis_pid" webdis
  stop_pid "$floor_pid" floor
  stop_pid "$redis_pid" redis-server
  rm -rf "$tmp"
}
cleanup_on_exit cleanup

show_logs() {
  local f
  for f in bridge.log webdis.log webdis.out floor.log redis.log; do
    [[ -s $tmp/$f ]] || continue
    echo "---- $f (last 30 lines) ----" >&2
    tail -n 30 "$tmp/$f" >&2
  done
}

# ---- helpers ----------------------------------------------------------------------------------
redis_port="" webdis_port="" bridge_port=""

redis_cmd() { # port arg...: one command as RESP, prints the first reply line
  local port=$1 line req a
  shift
  req="*$#"$'\r\n'
  for a in "$@"; do req+="\$${#a}"$'\r\n'"$a"$'\r\n'; done
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%s' "$req" >&3
  IFS= read -r -t 5 line <&3 || line=""
  exec 3<&- 3>&-
  echo "${line%$'\r'}"
}

http_get() { # port path [auth-token]: prints "STATUS BODY" (HTTP/1.0, whole reply read)
  local port=$1 path=$2 auth=${3:-} reply status body header=""
  [[ -n $auth ]] && header="Authorization: Bearer $auth"$'\r\n'
  exec 4<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n%s\r\n' "$path" "$port" "$header" >&4
  reply=$(timeout 5 cat <&4 | tr -d '\r') || true
  exec 4<&- 4>&-
  status=$(head -n 1 <<<"$reply" | cut -d' ' -f2)
  body=${reply#*$'\n\n'}
  echo "$status $body"
}

wait_http() { # name pid port path [token]: bounded wait for a 200
  local name=$1 pid=$2 port=$3 path=$4 auth=${5:-} i reply=""
  for ((i = 0; i < 300; i++)); do # 30 s
    kill -0 "$pid" 2>/dev/null || { show_logs; die "$name exited at start"; }
    reply=$(http_get "$port" "$path" "$auth" 2>/dev/null || true)
    [[ $reply == "200 "* ]] && return 0
    sleep 0.1
  done
  show_logs
  die "$name on port $port did not answer $path with 200 in 30 s (last reply: ${reply:-none})"
}

to_ms() { # wrk latency like 812.00us / 1.23ms / 2.01s -> milliseconds
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else printf "nan" }'
}

# ---- Redis ------------------------------------------------------------------------------------
free_port redis_port
start_redis "$redis_port" "$tmp" # sets redis_pid

value=$(head -c "$value_size" /dev/zero | tr '\0' 'v')
get_key="bench:get"
[[ $(redis_cmd "$redis_port" SET "$get_key" "$value") == "+OK" ]] || die "could not preload $get_key"

# ---- webdis -----------------------------------------------------------------------------------
free_port webdis_port
sed -e "s|@REDIS_PORT@|$redis_port|; s|@HTTP_PORT@|$webdis_port|; s|@THREADS@|$webdis_threads|" \
  -e "s|@POOL_SIZE@|$webdis_pool|; s|@TMP@|$tmp|g" \
  "$here/bridge/webdis.json.template" >"$tmp/webdis.json"
(cd "$tmp" && exec webdis "$tmp/webdis.json" >"$tmp/webdis.out" 2>&1) &
webdis_pid=$!
wait_http webdis "$webdis_pid" "$webdis_port" /PING

# ---- bridge -----------------------------------------------------------------------------------
free_port bridge_port
if [[ -z $java_opts ]]; then
  # as http-bridge/run.sh runs the bridge: its collector for this java
  java_opts="-Xms256m -Xmx512m $(bridge_gc_opts "$(command -v "$java_bin")")"
  java_opts=${java_opts% }
fi
bridge_cmd=("$java_bin")
# shellcheck disable=SC2206 # flags are word lists on purpose
bridge_cmd+=($java_opts -jar "$jar" --redis "redis://127.0.0.1:$redis_port" --host 127.0.0.1 --port "$bridge_port")
[[ -n $token ]] && bridge_cmd+=(--token "$token")
# shellcheck disable=SC2206
[[ -n $bridge_args ]] && bridge_cmd+=($bridge_args)
env -u REDIS_URL -u BRIDGE_PORT -u BRIDGE_TOKEN -u BRIDGE_HOST "${bridge_cmd[@]}" >"$tmp/bridge.log" 2>&1 &
bridge_pid=$!
wait_http bridge "$bridge_pid" "$bridge_port" /PING "$token"

# Both must answer the benchmark's URLs alike before anything is measured.
for path in "/GET/$get_key" "/SET/bench:check/$value"; do
  w=$(http_get "$webdis_port" "$path")
  b=$(http_get "$bridge_port" "$path" "$token")
  [[ $w == "200 "* ]] || die "webdis answered $path with: $w"
  [[ $b == "200 "* ]] || die "the bridge answered $path with: $b"
  [[ $w == "$b" ]] || log "note: replies differ for $path: webdis '$w', bridge '$b'"
done

# ---- the floor: a minimal Java server (Java 22+: the Foreign Function API) --------------------
floor_port=""
if (($(java_feature "$(command -v "$java_bin")") >= 22)); then
  free_port floor_port
  # shellcheck disable=SC2086 # the bridge's JVM flags, word-split on purpose
  "$java_bin" $java_opts --enable-native-access=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
    "$here/bridge/EpollFloor.java" "$floor_port" >"$tmp/floor.log" 2>&1 &
  floor_pid=$!
  wait_http floor "$floor_pid" "$floor_port" /health
else
  log "the floor server needs Java 22+; $java_bin is older: not measured"
fi

# ---- load -------------------------------------------------------------------------------------
wrk_auth=()
[[ -n $token ]] && wrk_auth=(-H "Authorization: Bearer $token")

cpu_ticks() { # pid: user + system clock ticks it has used so far
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

run_wrk() { # label server port workload secs -> writes $tmp/<label>.txt and $tmp/<label>.cpu
  local label=$1 server=$2 port=$3 workload=$4 secs=$5 args=() script_args=()
  local url="http://127.0.0.1:$port" pid=$bridge_pid s0 r0
  [[ $server == webdis ]] && pid=$webdis_pid
  [[ $server == floor ]] && pid=$floor_pid
  [[ $server == bridge ]] && args+=("${wrk_auth[@]}")
  if [[ $workload == GET ]]; then
    url+="/GET/$get_key"
  elif [[ $workload == HEALTH ]]; then
    url+="/health"
  elif [[ $workload == OPTIONS ]]; then
    url+="/GET/$get_key"
    args+=(-s "$here/bridge/options.lua")
  else
    args+=(-s "$here/bridge/set.lua")
    script_args=(-- "bench:set:$server" "$value")
  fi
  s0=$(cpu_ticks "$pid") r0=$(cpu_ticks "$redis_pid")
  if ! timeout --kill-after=5 $((secs + 30)) wrk -t "$threads" -c "$connections" -d "${secs}s" --timeout 5s --latency \
    "${args[@]}" "$url" "${script_args[@]}" >"$tmp/$label.txt" 2>&1; then
    cat "$tmp/$label.txt" >&2
    die "wrk failed against $server ($workload)"
  fi
  echo "$(($(cpu_ticks "$pid") - s0)) $(($(cpu_ticks "$redis_pid") - r0))" >"$tmp/$label.cpu"
}

cpu_per_request() { # label -> "server_us redis_us": CPU microseconds per request served
  local ticks redis_ticks requests hz
  read -r ticks redis_ticks <"$tmp/$1.cpu"
  requests=$(awk '$2 == "requests" && $3 == "in" {print $1}' "$tmp/$1.txt")
  hz=$(getconf CLK_TCK)
  awk -v t="$ticks" -v r="$redis_ticks" -v n="${requests:-0}" -v hz="$hz" \
    'BEGIN { if (n > 0) printf "%.1f %.1f\n", t * 1e6 / hz / n, r * 1e6 / hz / n; else print "nan nan" }'
}

parse_wrk() { # file -> "rps p50 p99 errors"
  local f=$1 rps p50 p99 non2xx sockerr
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$f")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")
  sockerr=$(awk -F'[ ,]+' '/Socket errors:/ {s = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print s}' "$f")
  echo "${rps:-0} ${p50:-nan} ${p99:-nan} $(( ${non2xx:-0} + ${sockerr:-0} ))"
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

log "redis :$redis_port, webdis :$webdis_port, bridge :$bridge_port; about ${estimate} s"
for workload in GET SET; do
  if ((warmup > 0)); then
    run_wrk "warm-$workload-bridge" bridge "$bridge_port" "$workload" "$warmup"
    run_wrk "warm-$workload-webdis" webdis "$webdis_port" "$workload" "$warmup"
  fi
done
# The HTTP layers alone, none of them asking Redis: server, workload, port.
http_only=("bridge HEALTH $bridge_port" "webdis OPTIONS $webdis_port")
[[ -n $floor_port ]] && http_only+=("floor HEALTH $floor_port")
if ((warmup > 0)); then
  for entry in "${http_only[@]}"; do
    read -r server workload port <<<"$entry"
    run_wrk "warm-$workload-$server" "$server" "$port" "$workload" "$warmup"
  done
fi
for ((r = 1; r <= rounds; r++)); do
  for workload in GET SET; do
    # alternate which server goes first, so neither always gets the quieter slot
    if ((r % 2)); then order=(bridge webdis); else order=(webdis bridge); fi
    for server in "${order[@]}"; do
      port=$bridge_port
      [[ $server == webdis ]] && port=$webdis_port
      run_wrk "$workload-$server-$r" "$server" "$port" "$workload" "$duration"
      read -r rps p50 p99 errs < <(parse_wrk "$tmp/$workload-$server-$r.txt")
      log "round $r $workload $server: $rps req/s, p50 $p50 ms, p99 $p99 ms, errors $errs"
    done
  done
  for entry in "${http_only[@]}"; do
    read -r server workload port <<<"$entry"
    run_wrk "$workload-$server-$r" "$server" "$port" "$workload" "$duration"
  done
done

# ---- report -----------------------------------------------------------------------------------
java_version=$("$java_bin" -version 2>&1 | head -n 1)
webdis_version=$(dpkg-query -W -f='${Version}' webdis 2>/dev/null || echo unknown)
redis_version=$(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')
wrk_version=$({ wrk --version 2>&1 || true; } | head -n 1 | awk '{print $2}')
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)

total_errors=0
{
  echo "# Bridge vs Webdis"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($cpu). One run, servers side by side over one Redis;"
  echo "compare the ratios, not absolute numbers from different runs."
  echo
  echo "- wrk $wrk_version: $threads threads, $connections connections, ${duration} s per measurement, ${rounds} round(s) (medians), ${warmup} s warm-up each"
  echo "- GET: \`/GET/$get_key\` (a ${value_size}-byte value); SET: \`/SET/<key>/<value>\` with a new key per request (benchmarks/bridge/set.lua)"
  floor_note=""
  [[ -n $floor_port ]] && floor_note=", and \`/health\` of benchmarks/bridge/EpollFloor.java (one read and one write per request, on the bridge's java and flags: the floor of a Java HTTP layer here)"
  echo "- no Redis: the bridge's \`/health\`, webdis's \`OPTIONS\` (benchmarks/bridge/options.lua)$floor_note"
  echo "- Redis $redis_version (\`--save '' --appendonly no\`); webdis $webdis_version ($webdis_threads threads, pool_size $webdis_pool); bridge on $java_version, JVM flags \`$java_opts\`${bridge_args:+, args \`$bridge_args\`}${token:+, with a token}"
  echo
  echo "| workload | server | requests/s | p50 ms | p99 ms | server CPU µs/request | Redis CPU µs/request | errors |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  for workload in GET SET HEALTH OPTIONS; do
    for server in bridge webdis floor; do
      [[ -f $tmp/$workload-$server-1.txt ]] || continue
      rps_list="" p50_list="" p99_list="" cpu_list="" rcpu_list="" err_sum=0
      for ((r = 1; r <= rounds; r++)); do
        read -r rps p50 p99 errs < <(parse_wrk "$tmp/$workload-$server-$r.txt")
        read -r cpu rcpu < <(cpu_per_request "$workload-$server-$r")
        rps_list+=" $rps" p50_list+=" $p50" p99_list+=" $p99" cpu_list+=" $cpu" rcpu_list+=" $rcpu"
        err_sum=$((err_sum + errs))
      done
      m_rps=$(median <<<"$rps_list") m_p50=$(median <<<"$p50_list") m_p99=$(median <<<"$p99_list")
      m_cpu=$(median <<<"$cpu_list") m_rcpu=$(median <<<"$rcpu_list")
      printf -v "rps_${workload}_${server}" '%s' "$m_rps"
      printf -v "p99_${workload}_${server}" '%s' "$m_p99"
      printf -v "cpu_${workload}_${server}" '%s' "$m_cpu"
      total_errors=$((total_errors + err_sum))
      label=$workload
      [[ $workload == HEALTH ]] && label="/health (no Redis)"
      [[ $workload == OPTIONS ]] && label="OPTIONS (no Redis)"
      printf '| %s | %s | %.0f | %.2f | %.2f | %.1f | %.1f | %d |\n' "$label" "$server" "$m_rps" "$m_p50" "$m_p99" "$m_cpu" "$m_rcpu" "$err_sum"
    done
  done
  echo
  echo "| workload | bridge/webdis requests/s (higher is better) | bridge/webdis p99 (lower is better) | bridge/webdis server CPU per request |"
  echo "|---|---:|---:|---:|"
  for workload in GET SET; do
    rb=rps_${workload}_bridge rw=rps_${workload}_webdis pb=p99_${workload}_bridge pw=p99_${workload}_webdis
    cb=cpu_${workload}_bridge cw=cpu_${workload}_webdis
    awk -v w="$workload" -v rb="${!rb}" -v rw="${!rw}" -v pb="${!pb}" -v pw="${!pw}" -v cb="${!cb}" -v cw="${!cw}" \
      'BEGIN { printf "| %s | %.2f | %.2f | %.2f |\n", w, (rw > 0 ? rb / rw : 0), (pw > 0 ? pb / pw : 0), (cw > 0 ? cb / cw : 0) }'
  done
  awk -v rh="$rps_HEALTH_bridge" -v rw="$rps_GET_webdis" -v ch="$cpu_HEALTH_bridge" -v cw="$cpu_GET_webdis" \
    'BEGIN { printf "| ceiling: bridge /health (no Redis) against webdis GET | %.2f | | %.2f |\n", (rw > 0 ? rh / rw : 0), (cw > 0 ? ch / cw : 0) }'
  awk -v rh="$rps_HEALTH_bridge" -v ro="$rps_OPTIONS_webdis" -v ph="$p99_HEALTH_bridge" -v po="$p99_OPTIONS_webdis" \
    -v ch="$cpu_HEALTH_bridge" -v co="$cpu_OPTIONS_webdis" \
    'BEGIN { printf "| HTTP layers alone: bridge /health against webdis OPTIONS | %.2f | %.2f | %.2f |\n", (ro > 0 ? rh / ro : 0), (po > 0 ? ph / po : 0), (co > 0 ? ch / co : 0) }'
  if [[ -n $floor_port ]]; then
    awk -v rh="$rps_HEALTH_bridge" -v rf="$rps_HEALTH_floor" -v ph="$p99_HEALTH_bridge" -v pf="$p99_HEALTH_floor" \
      -v ch="$cpu_HEALTH_bridge" -v cf="$cpu_HEALTH_floor" \
      'BEGIN { printf "| HTTP layers alone: bridge /health against the floor (EpollFloor.java) | %.2f | %.2f | %.2f |\n", (rf > 0 ? rh / rf : 0), (pf > 0 ? ph / pf : 0), (cf > 0 ? ch / cf : 0) }'
  fi
  if ((total_errors > 0)); then
    echo
    echo "**Warning:** $total_errors non-2xx replies or socket errors were counted; those numbers are not comparable."
  fi
} >"$tmp/results.md"

cat "$tmp/results.md"
mkdir -p "$(dirname "$out")"
cp "$tmp/results.md" "$out"
log "results written to $out"
((total_errors == 0)) || exit 3
