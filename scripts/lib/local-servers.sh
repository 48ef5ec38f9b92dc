# Sourced, not run: helpers for the scripts that start their own servers on loopback and must stop
# them again (http-bridge/conformance/run.sh, benchmarks/run.sh, benchmarks/bridge-vs-webdis.sh).
# One copy here, so that how a port is picked, how a start is awaited and how a process is stopped
# is the same in every one of them. Top-level scripts/ rather than .ci/: these are the modules'
# tools, run by hand and by tests, not steps of the CI machine setup (and .ci/common.sh does work
# when sourced).
#
# The sourcing script must define, before calling these:
#   die MESSAGE...   print MESSAGE and exit
#   log MESSAGE...   print MESSAGE to stderr
# Never touches a port or process it did not pick or start: ports 6379 and 7379 (a system Redis,
# a system Webdis) are never picked, and processes are stopped by the pid their start returned.

# cleanup_on_exit FUNCTION: runs FUNCTION when the script exits, also after Ctrl-C (exit 130) or a
# TERM (exit 143), so that nothing the script started outlives it.
cleanup_on_exit() {
  # shellcheck disable=SC2064 # the function's name is meant to be expanded now
  trap "$1" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# stop_pid PID NAME: TERM, wait up to 10 s, then KILL. Nothing when PID is empty or gone.
# shellcheck disable=SC2317 # called from EXIT traps
stop_pid() {
  local pid=$1 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$2 (pid $pid) did not stop in 10 s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# port_in_use PORT: true when something accepts connections on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port VAR: sets VAR to a loopback port nothing listens on, never 6379 or 7379 and never one
# this script picked before (call it in the script's own shell, not in $(...), for that). Picked
# below the kernel's ephemeral range (ip_local_port_range, 32768 and up by default): a port in that
# range can be the local end of some connection (Docker's published ports, a client's socket), which
# port_in_use cannot see and which makes the server's bind fail with "Address already in use".
used_ports=""
free_port() {
  local p i low=32768 high
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  high=$((low > 12000 ? low - 1 : 32767))
  for ((i = 0; i < 100; i++)); do
    p=$((10000 + RANDOM % (high - 10000)))
    # 10080: a port browsers' and Node's fetch refuse ("bad port"); the only one of them >= 10000.
    if [[ $p != 6379 && $p != 7379 && $p != 10080 && " $used_ports " != *" $p "* ]] && ! port_in_use "$p"; then
      used_ports+=" $p"
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  die "could not find a free loopback port"
}

# redis_ready PORT: true when a Redis on 127.0.0.1:PORT answers PING (raw RESP, no redis-cli).
redis_ready() {
  local line
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'PING\r\n' >&3
  IFS= read -r -t 2 line <&3 || line=""
  exec 3<&- 3>&-
  [[ $line == "+PONG"* ]]
}

# start_redis PORT DIR [FLAG...]: starts a throwaway redis-server on 127.0.0.1:PORT (no snapshots,
# no AOF; files and redis.log in DIR, extra FLAGs appended), sets redis_pid, and waits up to 10 s
# for it to answer PING. If it exits or stays silent: the end of its log, then die.
start_redis() {
  local port=$1 dir=$2 i
  shift 2
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --dir "$dir" --logfile "$dir/redis.log" "$@" >/dev/null 2>&1 &
  redis_pid=$!
  for ((i = 0; i < 100; i++)); do
    redis_ready "$port" 2>/dev/null && return 0
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.1
  done
  redis_ready "$port" 2>/dev/null && return 0
  echo "---- redis-server log (last 20 lines) ----" >&2
  tail -n 20 "$dir/redis.log" >&2 2>/dev/null || true
  if kill -0 "$redis_pid" 2>/dev/null; then
    die "redis-server on port $port did not answer in 10 s"
  fi
  die "redis-server exited at start"
}
