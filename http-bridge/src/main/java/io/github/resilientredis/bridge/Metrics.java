package io.github.resilientredis.bridge;

import io.github.resilientredis.pool.PoolStats;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;

/**
 * The bridge's counters, written in the Prometheus text format by {@code GET /metrics}. Recording
 * is lock-free ({@link LongAdder}s in fixed arrays, no map lookups on the request path).
 */
final class Metrics {

  /** Which API a request spoke; the {@code api} label. */
  enum Api {
    UPSTASH, WEBDIS, SUBSCRIBE, ADMIN, OTHER;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  /** Why Redis did not answer; the {@code kind} label of {@code bridge_redis_errors_total}. */
  enum RedisError {
    UNREACHABLE, BUSY, TIMEOUT, CONNECTION_LOST, CLOSED;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  /** Why a command was refused with 403; the {@code reason} label of {@code bridge_refusals_total}. */
  enum Refusal {
    /** The bridge's deny, allow or dangerous list. */
    BRIDGE_LIST,
    /** Redis's ACL: the token's Redis user may not run it (directly or inside a script). */
    REDIS_NOPERM,
    /** A read-only token and a command Redis does not flag read-only. */
    READ_ONLY_TOKEN;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  /** One pool's name and counts, for the {@code bridge_pool_*} metrics. */
  record PoolView(String name, PoolStats stats) {}

  /** Latency bucket upper bounds in seconds. */
  static final double[] BUCKETS = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  /**
   * The bounds in nanoseconds, then Long.MAX_VALUE (+Inf): the bucket search always ends on a
   * comparison. A second exit, "beyond the last bound", is first taken when the first held
   * request of over 10 s ends; the JIT then throws away the compiled request path, and each of
   * the thousands of parked held requests whose stack holds it is deoptimized as it returns (seen
   * in JFR: 1,679 deoptimizations of this method during one broadcast to 5,000).
   */
  private static final long[] BUCKET_NANOS = new long[BUCKETS.length + 1];

  static {
    for (int i = 0; i < BUCKETS.length; i++) {
      BUCKET_NANOS[i] = (long) (BUCKETS[i] * 1e9);
    }
    BUCKET_NANOS[BUCKETS.length] = Long.MAX_VALUE;
  }

  private static final int STATUSES = 600;
  private final LongAdder[][] requests = new LongAdder[Api.values().length][STATUSES];
  private final LongAdder[][] buckets = new LongAdder[Api.values().length][BUCKETS.length + 1];
  private final LongAdder[] durationNanos = new LongAdder[Api.values().length];
  private final LongAdder[] redisErrors = new LongAdder[RedisError.values().length];
  private final LongAdder rejectedConnections = new LongAdder();
  private final LongAdder blockingRefused = new LongAdder();
  private final LongAdder[] refusals = new LongAdder[Refusal.values().length];
  final AtomicInteger subscribers = new AtomicInteger();

  Metrics() {
    for (int a = 0; a < requests.length; a++) {
      for (int s = 0; s < STATUSES; s++) {
        requests[a][s] = new LongAdder();
      }
      for (int b = 0; b < buckets[a].length; b++) {
        buckets[a][b] = new LongAdder();
      }
      durationNanos[a] = new LongAdder();
    }
    for (int i = 0; i < redisErrors.length; i++) {
      redisErrors[i] = new LongAdder();
    }
    for (int i = 0; i < refusals.length; i++) {
      refusals[i] = new LongAdder();
    }
  }

  void refused(Refusal why) {
    refusals[why.ordinal()].increment();
  }

  long refusals(Refusal why) {
    return refusals[why.ordinal()].sum();
  }

  void request(Api api, int status, long nanos) {
    int a = api.ordinal();
    requests[a][status >= 100 && status < STATUSES ? status : 0].increment();
    int b = 0;
    while (nanos > BUCKET_NANOS[b]) {
      b++;
    }
    buckets[a][b].increment();
    durationNanos[a].add(nanos);
  }

  void redisError(RedisError kind) {
    redisErrors[kind.ordinal()].increment();
  }

  void rejectedConnection() {
    rejectedConnections.increment();
  }

  void blockingRefused() {
    blockingRefused.increment();
  }

  long requests(Api api, int status) {
    return requests[api.ordinal()][status].sum();
  }

  /**
   * The Prometheus text exposition (format 0.0.4): one set of pool metrics per Redis user's pool;
   * {@code autoPipelines} is empty when pipeline-lanes is 0.
   */
  String render(List<PoolView> pools, int inFlight, List<AutoPipeline> autoPipelines) {
    StringBuilder out = new StringBuilder(8192);
    header(out, "bridge_requests_total", "counter", "HTTP requests answered, by API and status.");
    for (Api api : Api.values()) {
      for (int s = 0; s < STATUSES; s++) {
        long n = requests[api.ordinal()][s].sum();
        if (n > 0) {
          out.append("bridge_requests_total{api=\"").append(api.label).append("\",status=\"")
              .append(s).append("\"} ").append(n).append('\n');
        }
      }
    }
    header(out, "bridge_request_duration_seconds", "histogram",
        "Time from reading a request to sending its reply, by API.");
    for (Api api : Api.values()) {
      LongAdder[] b = buckets[api.ordinal()];
      long cumulative = 0;
      for (int i = 0; i <= BUCKETS.length; i++) {
        cumulative += b[i].sum();
        out.append("bridge_request_duration_seconds_bucket{api=\"").append(api.label)
            .append("\",le=\"").append(i < BUCKETS.length ? Double.toString(BUCKETS[i]) : "+Inf")
            .append("\"} ").append(cumulative).append('\n');
      }
      out.append("bridge_request_duration_seconds_sum{api=\"").append(api.label).append("\"} ")
          .append(durationNanos[api.ordinal()].sum() / 1e9).append('\n');
      out.append("bridge_request_duration_seconds_count{api=\"").append(api.label).append("\"} ")
          .append(cumulative).append('\n');
    }
    gauge(out, "bridge_requests_in_flight", "Requests being handled now.", inFlight);
    gauge(out, "bridge_subscribers", "Open subscription streams.", subscribers.get());
    counter(out, "bridge_held_direct_sends_total",
        "Messages sent to held requests' sockets by the hub's thread itself (the fast path), in"
            + " this process; the others were written by each request's own thread.",
        DirectSend.sent());
    counter(out, "bridge_rejected_connections_total",
        "Requests refused (503, or the connection closed unanswered on the JDK's server on"
            + " platform threads) because max-concurrent and max-queued were full.",
        rejectedConnections.sum());
    counter(out, "bridge_blocking_refused_total",
        "Blocking commands refused because max-blocking were already waiting.",
        blockingRefused.sum());
    header(out, "bridge_redis_errors_total", "counter",
        "Requests that Redis did not answer, by kind.");
    for (RedisError kind : RedisError.values()) {
      out.append("bridge_redis_errors_total{kind=\"").append(kind.label).append("\"} ")
          .append(redisErrors[kind.ordinal()].sum()).append('\n');
    }
    header(out, "bridge_refusals_total", "counter", "Commands refused with 403, by reason:"
        + " bridge_list (deny, allow or dangerous list), redis_noperm (the Redis user's ACL, also"
        + " inside scripts), read_only_token.");
    for (Refusal why : Refusal.values()) {
      out.append("bridge_refusals_total{reason=\"").append(why.label).append("\"} ")
          .append(refusals[why.ordinal()].sum()).append('\n');
    }
    if (!autoPipelines.isEmpty()) {
      counter(out, "bridge_pipeline_batches_total",
          "Batches of single commands sent together (pipeline-lanes).",
          autoPipelines.stream().mapToLong(AutoPipeline::batches).sum());
      counter(out, "bridge_pipeline_commands_total", "Single commands sent in those batches.",
          autoPipelines.stream().mapToLong(AutoPipeline::commands).sum());
      counter(out, "bridge_pipeline_resent_total",
          "Commands left unanswered by a lost connection and sent again (reads and idempotent"
              + " writes only).", autoPipelines.stream().mapToLong(AutoPipeline::resent).sum());
    }
    header(out, "bridge_pool_connections", "gauge", "Pooled Redis connections by state.");
    for (PoolView pool : pools) {
      out.append("bridge_pool_connections{pool=\"").append(pool.name()).append("\",state=\"idle\"} ")
          .append(pool.stats().idle()).append('\n');
      out.append("bridge_pool_connections{pool=\"").append(pool.name())
          .append("\",state=\"active\"} ").append(pool.stats().active()).append('\n');
    }
    poolMetric(out, pools, "bridge_pool_connections_open", "gauge",
        "Open connections (idle + active + opening).", PoolStats::total);
    poolMetric(out, pools, "bridge_pool_waiting_threads", "gauge",
        "Threads waiting to borrow a connection.", PoolStats::waiting);
    poolMetric(out, pools, "bridge_pool_created_total", "counter", "Connections opened.",
        PoolStats::created);
    poolMetric(out, pools, "bridge_pool_destroyed_total", "counter", "Connections closed.",
        PoolStats::destroyed);
    poolMetric(out, pools, "bridge_redis_reconnects_total", "counter",
        "Connections opened in the background to replace broken ones (Redis reconnects).",
        PoolStats::reconnects);
    poolMetric(out, pools, "bridge_pool_broken_connections_total", "counter",
        "Connections discarded after a transport error.", PoolStats::brokenConnections);
    poolMetric(out, pools, "bridge_pool_heartbeat_failures_total", "counter",
        "Heartbeat PINGs that failed.", PoolStats::heartbeatFailures);
    poolMetric(out, pools, "bridge_pool_connect_failures_total", "counter",
        "Failed attempts to connect to Redis.", PoolStats::connectFailures);
    poolMetric(out, pools, "bridge_pool_borrows_total", "counter", "Connections lent.",
        PoolStats::borrows);
    header(out, "bridge_pool_borrow_wait_seconds_total", "counter",
        "Time spent waiting to borrow a connection.");
    for (PoolView pool : pools) {
      out.append("bridge_pool_borrow_wait_seconds_total{pool=\"").append(pool.name())
          .append("\"} ").append(pool.stats().borrowWaitTotal().toNanos() / 1e9).append('\n');
    }
    header(out, "bridge_pool_borrow_wait_max_seconds", "gauge", "The longest single borrow wait.");
    for (PoolView pool : pools) {
      out.append("bridge_pool_borrow_wait_max_seconds{pool=\"").append(pool.name())
          .append("\"} ").append(pool.stats().borrowWaitMax().toNanos() / 1e9).append('\n');
    }
    return out.toString();
  }

  private static void poolMetric(StringBuilder out, List<PoolView> pools, String name,
      String type, String help, ToLongFunction<PoolStats> value) {
    header(out, name, type, help);
    for (PoolView pool : pools) {
      out.append(name).append("{pool=\"").append(pool.name()).append("\"} ")
          .append(value.applyAsLong(pool.stats())).append('\n');
    }
  }

  private static void header(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void gauge(StringBuilder out, String name, String help, long value) {
    sample(out, "gauge", name, help, value);
  }

  private static void counter(StringBuilder out, String name, String help, long value) {
    sample(out, "counter", name, help, value);
  }

  /** A metric with one sample: its HELP and TYPE lines, then {@code name value}. */
  private static void sample(StringBuilder out, String type, String name, String help,
      long value) {
    header(out, name, type, help);
    out.append(name).append(' ').append(value).append('\n');
  }
}
