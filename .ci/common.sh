# Shared by the .ci scripts (sourced, not run). Keeps the console readable: noisy tools write to
# a log file per step, and that log is printed only when the step fails.

CI_LOG_DIR=${CI_LOG_DIR:-${TMPDIR:-/tmp}/resilient-redis-ci}
mkdir -p "$CI_LOG_DIR"

# Root is needed for apt-get and dockerd; use sudo when the script is run by a normal user.
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  SUDO=()
fi

# SAY_PREFIX: scripts/test says [test]; the .ci scripts it calls inherit it.
say() { printf '[%s] %s\n' "${SAY_PREFIX:-ci}" "$*"; }

fail() {
  printf '[%s] FAILED: %s\n' "${SAY_PREFIX:-ci}" "$*" >&2
  exit 1
}

# run_logged LOG_NAME COMMAND... : runs the command with its output in $CI_LOG_DIR/LOG_NAME.log;
# on failure prints the end of that log and exits.
run_logged() {
  local log="$CI_LOG_DIR/$1.log"
  shift
  if ! "$@" >"$log" 2>&1; then
    printf '[%s] FAILED: %s (log: %s), last lines:\n' "${SAY_PREFIX:-ci}" "$*" "$log" >&2
    tail -n 150 "$log" >&2
    exit 1
  fi
}

print_log_and_fail() {
  local log="$1"
  shift
  if [ -f "$log" ]; then
    printf '[%s] FAILED: %s (log: %s), last lines:\n' "${SAY_PREFIX:-ci}" "$*" "$log" >&2
    tail -n 150 "$log" >&2
  else
    printf '[%s] FAILED: %s\n' "${SAY_PREFIX:-ci}" "$*" >&2
  fi
  exit 1
}
