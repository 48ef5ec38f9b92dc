# Which java runs the bridge, and with which garbage collector: sourced by http-bridge/run.sh and
# by the benchmarks that run the bridge as run.sh does (bridge-vs-webdis.sh, held-requests.sh), so
# that they measure what run.sh runs. Defines functions only.

java_feature() { # java binary -> its major version from <java.home>/release, 0 when unknown
  local home
  home=$(dirname "$(dirname "$(readlink -f "$1")")")
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" 2>/dev/null | head -n 1 | grep . || echo 0
}

newest_java() { # -> the java binary of the highest version here ($JAVA_HOME, /usr/lib/jvm, PATH)
  local best=0 found="" candidate f
  for candidate in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/*/bin/java "$(command -v java || true)"; do
    [[ -n $candidate && -x $candidate ]] || continue
    f=$(java_feature "$candidate")
    if ((f > best)); then best=$f found=$candidate; fi
  done
  [[ -n $found ]] && echo "$found"
}

# The garbage collector: ZGC on Java 21+ (generational; its own flag on 21 and 22, the only kind
# from 23). Thousands of held connections are a large live set that G1's young pauses copy, 30-150
# ms each here, and every held request's delivery that falls in one waits for it: one-to-one p99
# 1-33 ms on G1, 0.6-1.1 ms on ZGC; for about 2% / 10% fewer GET / SET requests a second (README,
# "Speed"; BENCHMARKS.md, section 7).
bridge_gc_opts() { # java binary -> the flags choosing its collector (none before Java 21)
  local f
  f=$(java_feature "$1")
  if ((f >= 23)); then echo "-XX:+UseZGC"
  elif ((f >= 21)); then echo "-XX:+UseZGC -XX:+ZGenerational"
  fi
}
