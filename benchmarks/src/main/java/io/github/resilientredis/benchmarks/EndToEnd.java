package io.github.resilientredis.benchmarks;

import io.github.resilientredis.pool.RedisPool;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.RedisClient;

/**
 * GET and SET from N threads (8 by default), one command per borrow, through each client in turn
 * on the same Redis, and {@code redis-benchmark -c N -P 1} between them: the clients take turns in
 * every round (the order rotates each round), so each ratio compares measurements taken moments
 * apart on the same noisy machine. Ratios are medians of the per-round ratios.
 *
 * <pre>
 * java -cp benchmarks.jar io.github.resilientredis.benchmarks.EndToEnd --port 23456 \
 *   [--threads 8] [--connections threads] [--duration 3] [--warmup 2] [--rounds 3] [--value-size 64] \
 *   [--clients resilient,jedispool,jedispool-tob,redisclient,redis-benchmark] [--workloads GET,SET] \
 *   [--redis-benchmark redis-benchmark] [--out end-to-end.md]
 * </pre>
 */
public final class EndToEnd {

  /** The key redis-benchmark itself uses when not given -r: both sides read and write the same key. */
  static final String KEY = "key:__rand_int__";
  static final String REDIS_BENCHMARK = "redis-benchmark";

  private final int port;
  private final int threads;
  private final int connections;
  private final int valueSize;
  private final String value;
  private final String redisBenchmark;
  /** Last measured rate per workload, to size redis-benchmark's request count to the duration. */
  private final Map<String, Double> lastRate = new LinkedHashMap<>();

  private EndToEnd(int port, int threads, int connections, int valueSize, String redisBenchmark) {
    this.port = Bench.requirePort(port);
    this.threads = threads;
    this.connections = connections;
    this.valueSize = valueSize;
    this.value = "x".repeat(valueSize); // redis-benchmark -d fills its values with 'x' too
    this.redisBenchmark = redisBenchmark;
  }

  public static void main(String[] args) throws Exception {
    Bench.Options o = new Bench.Options(args, "port", "threads", "connections", "duration",
        "warmup", "rounds", "value-size", "clients", "workloads", "redis-benchmark", "out");
    int threads = o.getInt("threads", 8);
    EndToEnd run = new EndToEnd(Integer.parseInt(o.require("port")), threads,
        o.getInt("connections", threads), o.getInt("value-size", 64),
        o.get("redis-benchmark", REDIS_BENCHMARK));
    double duration = o.getDouble("duration", 3);
    double warmup = o.getDouble("warmup", 2);
    int rounds = o.getInt("rounds", 3);
    List<String> clients = Arrays.asList(
        o.get("clients", "resilient,jedispool,jedispool-tob,redisclient,redis-benchmark").split(","));
    List<String> workloads = Arrays.asList(o.get("workloads", "GET,SET").split(","));
    if (duration <= 0 || duration > 60 || rounds < 1 || rounds > 20 || warmup < 0 || warmup > 60) {
      throw new IllegalArgumentException("keep 0 < duration <= 60 s, 1 <= rounds <= 20, 0 <= warmup <= 60 s");
    }
    String report = run.run(clients, workloads, rounds, duration, warmup);
    System.out.print(report);
    String out = o.get("out", null);
    if (out != null) {
      Files.writeString(Path.of(out), report);
    }
  }

  private String run(List<String> clients, List<String> workloads, int rounds, double seconds,
      double warmupSeconds) throws Exception {
    Map<String, Load> loads = new LinkedHashMap<>();
    try {
      for (String client : clients) {
        if (!client.equals(REDIS_BENCHMARK)) {
          loads.put(client, Load.open(client, port, connections));
        }
      }
      try (Jedis admin = new Jedis(Bench.HOST, port)) {
        admin.set(KEY, value);
      }
      // results[workload][client] = one Measurement per round
      Map<String, Map<String, List<Measurement>>> results = new LinkedHashMap<>();
      for (String workload : workloads) {
        results.put(workload, new LinkedHashMap<>());
        for (String client : clients) {
          results.get(workload).put(client, new ArrayList<>());
          if (warmupSeconds > 0) {
            Measurement m = measure(client, loads.get(client), workload, warmupSeconds);
            log("warm-up %s %s: %.0f req/s", workload, client, m.rps);
          }
        }
      }
      for (int round = 0; round < rounds; round++) {
        for (String workload : workloads) {
          for (int i = 0; i < clients.size(); i++) {
            String client = clients.get((i + round) % clients.size());
            Measurement m = measure(client, loads.get(client), workload, seconds);
            results.get(workload).get(client).add(m);
            log("round %d %s %s: %.0f req/s, p50 %.3f ms, p99 %.3f ms, CPU %.1f us/request,"
                + " errors %d", round + 1, workload, client, m.rps, m.p50Millis, m.p99Millis,
                m.cpuMicrosPerOp, m.errors);
          }
        }
      }
      return report(results, clients, rounds, seconds, warmupSeconds);
    } finally {
      for (Load load : loads.values()) {
        load.close();
      }
    }
  }

  private Measurement measure(String client, Load load, String workload, double seconds)
      throws Exception {
    Measurement m = client.equals(REDIS_BENCHMARK)
        ? redisBenchmark(workload, seconds)
        : javaLoad(load, workload, seconds);
    lastRate.merge(workload, m.rps, Math::max);
    return m;
  }

  /** {@code threads} threads issue commands back to back until the deadline. */
  private Measurement javaLoad(Load load, String workload, double seconds) throws Exception {
    boolean get = workload.equals("GET");
    if (!get && !workload.equals("SET")) {
      throw new IllegalArgumentException("workloads are GET and SET: " + workload);
    }
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    long[] ops = new long[threads];
    long[] errors = new long[threads];
    LatencyHistogram[] latencies = new LatencyHistogram[threads];
    AtomicReference<Throwable> firstError = new AtomicReference<>();
    long durationNanos = (long) (seconds * 1e9);
    long[] start = new long[1];
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      latencies[id] = new LatencyHistogram();
      Thread worker = new Thread(() -> {
        ready.countDown();
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        long deadline = start[0] + durationNanos;
        LatencyHistogram histogram = latencies[id];
        long before = System.nanoTime();
        while (before - deadline < 0) {
          try {
            if (get) {
              load.get(KEY);
            } else {
              load.set(KEY, value);
            }
            ops[id]++;
          } catch (RuntimeException e) {
            errors[id]++;
            firstError.compareAndSet(null, e);
          }
          long after = System.nanoTime();
          histogram.record(after - before);
          before = after;
        }
      }, "load-" + load.name() + "-" + t);
      workers.add(worker);
      worker.start();
    }
    ready.await();
    long cpuBefore = OS.getProcessCpuTime();
    start[0] = System.nanoTime();
    go.countDown();
    for (Thread worker : workers) {
      worker.join(TimeUnit.SECONDS.toMillis((long) seconds + 30));
      if (worker.isAlive()) {
        throw new IllegalStateException(worker.getName() + " did not stop 30 s after its deadline");
      }
    }
    long elapsed = System.nanoTime() - start[0];
    long cpu = OS.getProcessCpuTime() - cpuBefore;
    long total = Arrays.stream(ops).sum();
    long failed = Arrays.stream(errors).sum();
    if (firstError.get() != null) {
      log("%s %s: %d errors, first: %s", load.name(), workload, failed, firstError.get());
    }
    LatencyHistogram all = LatencyHistogram.merge(latencies);
    return new Measurement(total / (elapsed / 1e9), all.percentileMillis(50),
        all.percentileMillis(99), failed, total == 0 ? Double.NaN : cpu / 1e3 / total);
  }

  /** redis-benchmark with as many requests as fill {@code seconds} at the last rate seen. */
  private Measurement redisBenchmark(String workload, double seconds) throws IOException,
      InterruptedException {
    long requests = (long) Math.max(20_000, lastRate.getOrDefault(workload, 50_000.0) * seconds);
    List<String> command = List.of(redisBenchmark, "-h", Bench.HOST, "-p", Integer.toString(port),
        "-c", Integer.toString(threads), "-n", Long.toString(requests), "-P", "1",
        "-d", Integer.toString(valueSize), "-t", workload.toLowerCase(java.util.Locale.ROOT),
        "--csv");
    double childCpuBefore = childrenCpuMicros();
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = reader.readLine()) != null; ) {
        lines.add(line);
      }
    }
    if (!process.waitFor((long) seconds * 10 + 60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("redis-benchmark did not finish: " + command);
    }
    double cpuMicrosPerRequest = (childrenCpuMicros() - childCpuBefore) / (double) requests;
    for (String line : lines) {
      // "GET","62853.55","0.075","0.016","0.071","0.119","0.175","2.751"
      if (line.startsWith("\"" + workload + "\"")) {
        String[] f = line.replace("\"", "").split(",");
        return new Measurement(Double.parseDouble(f[1]), Double.parseDouble(f[4]),
            Double.parseDouble(f[6]), 0, cpuMicrosPerRequest);
      }
    }
    throw new IllegalStateException("no " + workload + " result from " + String.join(" ", command)
        + ":\n" + String.join("\n", lines));
  }

  private String report(Map<String, Map<String, List<Measurement>>> results, List<String> clients,
      int rounds, double seconds, double warmupSeconds) {
    StringBuilder md = new StringBuilder();
    md.append(Bench.fmt("%d threads sharing %d connections (redis-benchmark: %d connections, -P 1),"
        + " one command per borrow, %d-byte values, key `%s`; %d rounds of %.1f s per client and"
        + " workload after %.1f s of warm-up each; the order of the clients rotates every round.%n%n",
        threads, connections, threads, valueSize, KEY, rounds, seconds, warmupSeconds));
    md.append("Client CPU is the CPU time of the client's process per request (the whole JVM for the"
        + " Java clients; redis-benchmark's own process), medians over rounds: on a shared machine it"
        + " moves less than requests/s, and on 2 cores the client's CPU is what Redis does not get.\n\n");
    md.append("| workload | client | requests/s (median) | min - max | p50 ms | p99 ms |"
        + " client CPU µs/request | errors |\n");
    md.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (var byWorkload : results.entrySet()) {
      for (String client : clients) {
        List<Measurement> ms = byWorkload.getValue().get(client);
        List<Double> rps = ms.stream().map(m -> m.rps).toList();
        md.append(Bench.fmt("| %s | %s | %.0f | %.0f - %.0f | %.3f | %.3f | %.1f | %d |%n",
            byWorkload.getKey(), describe(client), Bench.median(rps), Bench.min(rps), Bench.max(rps),
            Bench.median(ms.stream().map(m -> m.p50Millis).toList()),
            Bench.median(ms.stream().map(m -> m.p99Millis).toList()),
            Bench.median(ms.stream().map(m -> m.cpuMicrosPerOp).toList()),
            ms.stream().mapToLong(m -> m.errors).sum()));
      }
    }
    if (!clients.contains("resilient")) {
      return md.toString();
    }
    md.append("\nRatios of requests/s, `pool.client()` / other, median of the per-round ratios"
        + " (min - max):\n\n");
    md.append("| workload | vs | ratio | min - max | target |\n|---|---|---:|---:|---|\n");
    for (var byWorkload : results.entrySet()) {
      List<Measurement> ours = byWorkload.getValue().get("resilient");
      for (String client : clients) {
        if (client.equals("resilient")) {
          continue;
        }
        List<Measurement> theirs = byWorkload.getValue().get(client);
        List<Double> ratios = new ArrayList<>();
        for (int r = 0; r < ours.size(); r++) {
          ratios.add(ours.get(r).rps / theirs.get(r).rps);
        }
        double ratio = Bench.median(ratios);
        String target = switch (client) {
          case "jedispool" -> ratio >= 1.0 ? ">= 1.0: met" : ">= 1.0: **missed**";
          case REDIS_BENCHMARK -> ratio >= 0.9 ? ">= 0.9: met" : ">= 0.9: **missed**";
          default -> "";
        };
        md.append(Bench.fmt("| %s | %s | %.2f | %.2f - %.2f | %s |%n", byWorkload.getKey(),
            describe(client), ratio, Bench.min(ratios), Bench.max(ratios), target));
      }
    }
    return md.toString();
  }

  static String describe(String client) {
    return switch (client) {
      case "resilient" -> "resilient-redis `pool.client()`";
      case "jedispool" -> "JedisPool, JedisPoolConfig defaults";
      case "jedispool-tob" -> "JedisPool, testOnBorrow";
      case "redisclient" -> "Jedis 8 `RedisClient` defaults";
      case REDIS_BENCHMARK -> "redis-benchmark";
      default -> client;
    };
  }

  private static void log(String format, Object... args) {
    System.err.println("end-to-end: " + Bench.fmt(format, args));
  }

  private record Measurement(double rps, double p50Millis, double p99Millis, long errors,
      double cpuMicrosPerOp) {}

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
          .getOperatingSystemMXBean();

  /**
   * CPU time of this JVM's reaped children (cutime + cstime in /proc/self/stat, 10 ms ticks): what
   * a redis-benchmark run cost, once it has exited. NaN where /proc is missing.
   */
  private static double childrenCpuMicros() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after "pid (comm) ": f[0] is field 3 (state); cutime and cstime are fields 16 and 17
      return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * 1e6 / 100;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** One client under load: every call borrows a connection for one command and returns it. */
  interface Load extends AutoCloseable {
    String name();

    void get(String key);

    void set(String key, String value);

    @Override
    void close();

    static Load open(String client, int port, int connections) {
      return switch (client) {
        case "resilient" -> new ResilientLoad(port, connections);
        case "jedispool" -> new JedisPoolLoad("jedispool", port, connections, false);
        case "jedispool-tob" -> new JedisPoolLoad("jedispool-tob", port, connections, true);
        case "redisclient" -> new RedisClientLoad(port);
        default -> throw new IllegalArgumentException("unknown client " + client
            + " (known: resilient, jedispool, jedispool-tob, redisclient, " + REDIS_BENCHMARK + ")");
      };
    }
  }

  static final class ResilientLoad implements Load {
    private final RedisPool pool;
    private final RedisClient client;

    ResilientLoad(int port, int connections) {
      pool = RedisPool.builder().host(Bench.HOST).port(port).maxTotal(connections)
          .name("bench-e2e").build();
      client = pool.client();
    }

    @Override public String name() { return "resilient"; }
    @Override public void get(String key) { client.get(key); }
    @Override public void set(String key, String value) { client.set(key, value); }
    @Override public void close() { pool.close(); }
  }

  static final class JedisPoolLoad implements Load {
    private final String name;
    private final JedisPool pool;

    JedisPoolLoad(String name, int port, int connections, boolean testOnBorrow) {
      this.name = name;
      JedisPoolConfig config = new JedisPoolConfig();
      config.setMaxTotal(connections);
      config.setMaxIdle(connections);
      config.setTestOnBorrow(testOnBorrow);
      pool = new JedisPool(config, Bench.HOST, port);
    }

    @Override public String name() { return name; }

    @Override
    public void get(String key) {
      try (Jedis jedis = pool.getResource()) {
        jedis.get(key);
      }
    }

    @Override
    public void set(String key, String value) {
      try (Jedis jedis = pool.getResource()) {
        jedis.set(key, value);
      }
    }

    @Override public void close() { pool.close(); }
  }

  static final class RedisClientLoad implements Load {
    private final RedisClient client;

    /** Jedis 8's own client with its default pool (commons-pool2, maxTotal 8), whatever the threads. */
    RedisClientLoad(int port) {
      client = RedisClient.create(Bench.HOST, port);
    }

    @Override public String name() { return "redisclient"; }
    @Override public void get(String key) { client.get(key); }
    @Override public void set(String key, String value) { client.set(key, value); }
    @Override public void close() { client.close(); }
  }
}
