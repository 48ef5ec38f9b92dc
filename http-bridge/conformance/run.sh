#!/usr/bin/env bash
# Runs the @upstash/redis conformance suite against a freshly started bridge.
#
#   http-bridge/conformance/run.sh [path/to/redis-http-bridge.jar]
#
# Starts its own redis-server and bridge on free loopback ports (never 6379 or 7379, never a
# Redis it did not start), runs `node --test`, stops both by pid and exits with the tests' result.
# Quiet on success (a summary line); on failure prints the test report and both servers' logs.
#
# Environment (all optional):
#   JAVA                 java binary (default: $JAVA_HOME/bin/java, else java on PATH)
#   BRIDGE_JAVA_OPTS     extra JVM flags for the bridge (default: -Xmx256m)
#   CONFORMANCE_VERBOSE  1 prints the full test report even when everything passes
#   CONFORMANCE_TIMEOUT  seconds allowed for the whole node test run (default 300)
#   CONFORMANCE_REDIS_URL  use this Redis instead of starting a redis-server (tests flush nothing,
#                          they use their own key prefixes)
#   CONFORMANCE_TOKEN_USER USER:PASSWORD of a Redis ACL user (which must exist): the client's token
#                          is bound to it (in a --tokens-file), so every command runs as that user
#   CONFORMANCE_TLS      rsa or ec: serve HTTPS with a certificate made now by
#                        scripts/lib/test-cert.sh (openssl); the client trusts its CA through
#                        NODE_EXTRA_CA_CERTS and talks to https://127.0.0.1:<port>
#   CONFORMANCE_TESTS    test files to run, relative to conformance/ (default: test/*.test.mjs)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# cleanup_on_exit, stop_pid, free_port, start_redis: shared by the scripts that start servers
source "$here/../../scripts/lib/local-servers.sh"
jar=${1:-${BRIDGE_JAR:-$here/../target/redis-http-bridge.jar}}
java_bin=${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}
java_opts=${BRIDGE_JAVA_OPTS:--Xmx256m}
verbose=${CONFORMANCE_VERBOSE:-0}
test_timeout=${CONFORMANCE_TIMEOUT:-300}
tls=${CONFORMANCE_TLS:-}
[[ -z $tls || $tls == rsa || $tls == ec ]] || { echo "conformance: CONFORMANCE_TLS must be rsa or ec: '$tls'" >&2; exit 2; }

die() { echo "conformance: $*" >&2; exit 2; }
log() { echo "conformance: $*" >&2; }

# ---- prerequisites --------------------------------------------------------------------------
[[ -f $jar ]] || die "bridge jar not found: $jar (build it: ./mvnw -pl http-bridge -am package -DskipTests)"
jar=$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")
command -v "$java_bin" >/dev/null || die "java not found ($java_bin): apt-get install -y openjdk-17-jre-headless"
command -v node >/dev/null || die "node not found: Node.js 20 or newer is needed (apt-get install -y nodejs npm)"
command -v npm >/dev/null || die "npm not found: apt-get install -y npm"
node_major=$(node -p 'process.versions.node.split(".")[0]')
(( node_major >= 20 )) || die "Node.js $(node --version) is too old: 20 or newer is needed"

# ---- clean-up of everything this script starts ------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bridge-conformance.XXXXXX")
redis_pid=""
bridge_pid=""

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
  stop_pid "$bridge_pid" bridge
  stop_pid "$redis_pid" redis-server
  rm -rf "$tmp"
}
cleanup_on_exit cleanup

show_logs() {
  echo "---- bridge log (last 60 lines) ----" >&2
  tail -n 60 "$tmp/bridge.log" >&2 2>/dev/null || true
  echo "---- redis-server log (last 20 lines) ----" >&2
  tail -n 20 "$tmp/redis.log" >&2 2>/dev/null || true
}

# ---- helpers ----------------------------------------------------------------------------------
bridge_status() { # HTTP status of an authenticated Upstash PING, or nothing
  local line body='["ping"]'
  if [[ -n $tls ]]; then
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$tmp/tls/ca.pem" \
      -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$body" \
      "https://127.0.0.1:$1/"
    return
  fi
  exec 4<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'POST / HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$1" "$2" "${#body}" "$body" >&4
  IFS= read -r -t 5 line <&4 || line=""
  exec 4<&- 4>&-
  line=${line%$'\r'}
  echo "${line#* }" | cut -d' ' -f1
}

# ---- Redis ------------------------------------------------------------------------------------
if [[ -n ${CONFORMANCE_REDIS_URL:-} ]]; then
  redis_url=$CONFORMANCE_REDIS_URL # a Redis the caller started (the Maven IT's container)
else
  command -v redis-server >/dev/null || die "redis-server not found: apt-get install -y redis-server"
  free_port redis_port
  start_redis "$redis_port" "$tmp" --protected-mode yes # sets redis_pid
  redis_url="redis://127.0.0.1:$redis_port"
fi

# ---- bridge -----------------------------------------------------------------------------------
free_port bridge_port
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
token_args=(--token "$token")
if [[ -n ${CONFORMANCE_TOKEN_USER:-} ]]; then
  (umask 077 && printf '%s=%s\n' "$token" "$CONFORMANCE_TOKEN_USER" >"$tmp/tokens")
  token_args=(--tokens-file "$tmp/tokens")
  log "the token runs as Redis user ${CONFORMANCE_TOKEN_USER%%:*}"
fi
scheme=http
tls_args=()
if [[ -n $tls ]]; then
  command -v curl >/dev/null || die "curl not found (apt-get install -y curl): it checks the HTTPS bridge is up"
  bash "$here/../../scripts/lib/test-cert.sh" "$tmp/tls" "$tls" || die "could not make a test certificate"
  tls_args=(--tls-cert "$tmp/tls/cert.pem" --tls-key "$tmp/tls/key.pem")
  scheme=https
  export NODE_EXTRA_CA_CERTS="$tmp/tls/ca.pem"
fi
# shellcheck disable=SC2086 # java_opts is a list of flags
env -u REDIS_URL -u BRIDGE_PORT -u BRIDGE_TOKEN -u BRIDGE_TOKENS_FILE -u BRIDGE_HOST \
  -u BRIDGE_TLS_CERT -u BRIDGE_TLS_KEY \
  "$java_bin" $java_opts -jar "$jar" \
  --redis "$redis_url" --host 127.0.0.1 --port "$bridge_port" "${token_args[@]}" "${tls_args[@]}" \
  >"$tmp/bridge.log" 2>&1 &
bridge_pid=$!
status=""
for ((i = 0; i < 300; i++)); do # up to 30 s
  kill -0 "$bridge_pid" 2>/dev/null || { show_logs; die "the bridge exited at start"; }
  status=$(bridge_status "$bridge_port" "$token" 2>/dev/null || true)
  [[ $status == 200 ]] && break
  sleep 0.1
done
[[ $status == 200 ]] || { show_logs; die "the bridge on port $bridge_port did not answer PING with 200 in 30 s (last status: ${status:-none})"; }

# ---- tests ------------------------------------------------------------------------------------
cd "$here"
if [[ ! -d node_modules/@upstash/redis ]]; then
  if ! npm ci --no-audit --no-fund --loglevel=error >"$tmp/npm.log" 2>&1; then
    cat "$tmp/npm.log" >&2
    die "npm ci failed"
  fi
fi

rc=0
# The startup line is logged right after the listener starts: wait for it (bounded), then check it.
for ((i = 0; i < 50; i++)); do
  grep -q "listening on" "$tmp/bridge.log" && break
  sleep 0.1
done
grep -q "listening on $scheme://" "$tmp/bridge.log" || { show_logs; die "the bridge's startup line does not say $scheme://"; }
read -r -a test_files <<<"${CONFORMANCE_TESTS:-$(echo test/*.test.mjs)}"
BRIDGE_URL="$scheme://127.0.0.1:$bridge_port" BRIDGE_TOKEN="$token" \
  timeout --kill-after=10 "$test_timeout" node --test --test-reporter=spec "${test_files[@]}" \
  >"$tmp/report.txt" 2>&1 || rc=$?

pass=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$tmp/report.txt" | tail -n 1)
fail=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$tmp/report.txt" | tail -n 1)
if (( rc != 0 )) || [[ $verbose == 1 ]]; then
  cat "$tmp/report.txt"
fi
if (( rc != 0 )); then
  (( rc == 124 || rc == 137 )) && echo "conformance: the test run hit its ${test_timeout} s limit" >&2
  show_logs
else
  grep -E '^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' "$tmp/report.txt" || true
fi
log "client over $scheme://"
echo "conformance: ${pass:-0} passed, ${fail:-0} failed"
exit "$rc"
