package io.github.resilientredis.benchmarks;

import io.github.resilientredis.pool.RedisPool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

/**
 * The failure this project exists for, measured: 8 connections are warmed, something happens to
 * them while they sit idle, then 8 threads issue 64 GETs at once. For each client: how many of
 * the 64 failed, how long until the first one succeeded, how long until all 64 were done.
 *
 * <ul>
 *   <li>{@code idle-timeout}: the server's {@code timeout} is 1 s and the connections idle 2.5 s.
 *   <li>{@code client-kill}: idle 2.5 s, then {@code CLIENT KILL TYPE normal}, then the burst.
 *   <li>{@code restart}: idle 0.5 s, Redis stopped, started again 2 s later on the same port; the
 *       burst starts once it answers PING.
 *   <li>{@code kill-in-bypass}: {@code CLIENT KILL TYPE normal} 100 ms after the warm-up, inside the
 *       pool's 500 ms window in which a recently used connection is lent without any check.
 * </ul>
 *
 * <p>Starts its own redis-server (see {@link RedisServer}) on the given port; nothing else is
 * touched.
 *
 * <pre>
 * java -cp benchmarks.jar io.github.resilientredis.benchmarks.StaleScenario --port 23457 \
 *   --dir /tmp/stale [--redis-server redis-server] [--repeat 1] [--scenarios ...] [--clients ...]
 * </pre>
 */
public final class StaleScenario {

  static final int CONNECTIONS = 8;
  static final int THREADS = 8;
  static final int COMMANDS = 64;
  static final String KEY = "stale:key";

  private final RedisServer redis;

  private StaleScenario(RedisServer redis) {
    this.redis = redis;
  }

  public static void main(String[] args) throws Exception {
    Bench.Options o = new Bench.Options(args, "port", "dir", "redis-server", "repeat", "scenarios",
        "clients", "out");
    int repeat = o.getInt("repeat", 1);
    if (repeat < 1 || repeat > 10) {
      throw new IllegalArgumentException("--repeat must be between 1 and 10: " + repeat);
    }
    List<String> scenarios = Arrays.asList(
        o.get("scenarios", "idle-timeout,client-kill,restart,kill-in-bypass").split(","));
    List<String> clients = Arrays.asList(
        o.get("clients", "resilient,jedispool,redisclient,jedispool-tob").split(","));
    Path dir = Files.createDirectories(Path.of(o.require("dir")));
    String report;
    try (RedisServer redis = new RedisServer(o.get("redis-server", "redis-server"),
        Integer.parseInt(o.require("port")), dir)) {
      redis.start();
      report = new StaleScenario(redis).run(scenarios, clients, repeat);
    }
    System.out.print(report);
    String out = o.get("out", null);
    if (out != null) {
      Files.writeString(Path.of(out), report);
    }
  }

  private String run(List<String> scenarios, List<String> clients, int repeat) throws Exception {
    StringBuilder md = new StringBuilder();
    md.append(Bench.fmt("%d connections warmed (all %d in use at once, then returned), then %d GETs"
        + " from %d threads (%d each) at once. Failures are commands that threw; times are from the"
        + " start of the burst. %d run(s) per row.%n%n", CONNECTIONS, CONNECTIONS, COMMANDS, THREADS,
        COMMANDS / THREADS, repeat));
    md.append("| scenario | client | failed / 64 | first success ms | all 64 done ms | errors |\n");
    md.append("|---|---|---:|---:|---:|---|\n");
    for (String scenario : scenarios) {
      for (String client : clients) {
        List<Burst> bursts = new ArrayList<>();
        for (int r = 0; r < repeat; r++) {
          Burst burst = trial(scenario, client);
          log("%s %s: %d/%d failed, first success %.1f ms, done %.1f ms %s", scenario, client,
              burst.failures, COMMANDS, burst.firstSuccessMillis, burst.doneMillis, burst.errors);
          bursts.add(burst);
        }
        Map<String, Integer> errors = new TreeMap<>();
        bursts.forEach(b -> b.errors.forEach((k, v) -> errors.merge(k, v, Integer::sum)));
        md.append(Bench.fmt("| %s | %s | %s | %s | %s | %s |%n", scenario, describe(client),
            join(bursts, b -> Integer.toString(b.failures)),
            join(bursts, b -> Bench.fmt("%.1f", b.firstSuccessMillis)),
            join(bursts, b -> Bench.fmt("%.1f", b.doneMillis)),
            errors.isEmpty() ? "" : errors.toString().replace("|", "/")));
      }
    }
    return md.toString();
  }

  private Burst trial(String scenario, String client) throws Exception {
    configSet("timeout", scenario.equals("idle-timeout") ? "1" : "0");
    try (Jedis admin = new Jedis(Bench.HOST, redis.port())) {
      admin.set(KEY, "value");
    }
    try (StaleClient c = StaleClient.open(client, redis.port())) {
      c.warm();
      switch (scenario) {
        case "idle-timeout" -> Bench.sleep(2_500);
        case "client-kill" -> {
          Bench.sleep(2_500);
          killNormalClients();
        }
        case "restart" -> {
          Bench.sleep(500);
          redis.stop();
          Bench.sleep(2_000);
          redis.start(); // returns once Redis answers PING again
          try (Jedis admin = new Jedis(Bench.HOST, redis.port())) {
            admin.set(KEY, "value");
          }
        }
        case "kill-in-bypass" -> {
          Bench.sleep(100);
          killNormalClients();
        }
        default -> throw new IllegalArgumentException("unknown scenario " + scenario);
      }
      return burst(c);
    } finally {
      configSet("timeout", "0");
    }
  }

  private void configSet(String name, String value) {
    try (Jedis admin = new Jedis(Bench.HOST, redis.port())) {
      admin.configSet(name, value);
    }
  }

  private void killNormalClients() {
    try (Jedis admin = new Jedis(Bench.HOST, redis.port())) {
      admin.sendCommand(Protocol.Command.CLIENT, "KILL", "TYPE", "normal"); // SKIPME yes: not itself
    }
  }

  private static Burst burst(StaleClient client) throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(THREADS);
    CountDownLatch go = new CountDownLatch(1);
    long[][] doneAt = new long[THREADS][COMMANDS / THREADS];
    String[][] error = new String[THREADS][COMMANDS / THREADS];
    long[] start = new long[1];
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int id = t;
      Thread thread = new Thread(() -> {
        ready.countDown();
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < COMMANDS / THREADS; i++) {
          try {
            client.get(KEY);
          } catch (RuntimeException e) {
            error[id][i] = e.getClass().getSimpleName() + ": " + e.getMessage();
          }
          doneAt[id][i] = System.nanoTime();
        }
      }, "burst-" + t);
      threads.add(thread);
      thread.start();
    }
    ready.await();
    start[0] = System.nanoTime();
    go.countDown();
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(60));
      if (thread.isAlive()) {
        throw new IllegalStateException(thread.getName() + " still runs after 60 s");
      }
    }
    int failures = 0;
    long firstSuccess = Long.MAX_VALUE;
    long done = 0;
    Map<String, Integer> errors = new TreeMap<>();
    for (int t = 0; t < THREADS; t++) {
      for (int i = 0; i < COMMANDS / THREADS; i++) {
        long at = doneAt[t][i] - start[0];
        done = Math.max(done, at);
        if (error[t][i] == null) {
          firstSuccess = Math.min(firstSuccess, at);
        } else {
          failures++;
          errors.merge(shorten(error[t][i]), 1, Integer::sum);
        }
      }
    }
    return new Burst(failures, firstSuccess == Long.MAX_VALUE ? Double.NaN : firstSuccess / 1e6,
        done / 1e6, errors);
  }

  private static String shorten(String message) {
    String m = message.replaceAll("\\s+", " ");
    return m.length() > 90 ? m.substring(0, 90) + "..." : m;
  }

  private static String join(List<Burst> bursts, Function<Burst, String> f) {
    return String.join(", ", bursts.stream().map(f).toList());
  }

  static String describe(String client) {
    return switch (client) {
      case "resilient" -> "resilient-redis `pool.client()`";
      case "jedispool" -> "JedisPool, JedisPoolConfig defaults";
      case "jedispool-tob" -> "JedisPool, testOnBorrow";
      case "redisclient" -> "Jedis 8 `RedisClient` defaults";
      default -> client;
    };
  }

  private static void log(String format, Object... args) {
    System.err.println("stale: " + Bench.fmt(format, args));
  }

  private record Burst(int failures, double firstSuccessMillis, double doneMillis,
      Map<String, Integer> errors) {}

  /** A client with 8 connections: warmed by using all 8 at once, then one GET per call. */
  interface StaleClient extends AutoCloseable {
    void warm();

    void get(String key);

    @Override
    void close();

    static StaleClient open(String client, int port) {
      return switch (client) {
        case "resilient" -> new ResilientClient(port);
        case "jedispool" -> new JedisPoolClient(port, false);
        case "jedispool-tob" -> new JedisPoolClient(port, true);
        case "redisclient" -> new JedisRedisClient(port);
        default -> throw new IllegalArgumentException("unknown client " + client
            + " (known: resilient, jedispool, jedispool-tob, redisclient)");
      };
    }
  }

  /** Defaults, except the size set to 8 like the others (it is the default anyway). */
  static final class ResilientClient implements StaleClient {
    private final RedisPool pool;
    private final RedisClient client;

    ResilientClient(int port) {
      pool = RedisPool.builder().host(Bench.HOST).port(port).maxTotal(CONNECTIONS)
          .name("bench-stale").build();
      client = pool.client();
    }

    @Override
    public void warm() {
      holdAndUse(CONNECTIONS);
      if (pool.stats().total() < CONNECTIONS) {
        throw new IllegalStateException("warm-up opened fewer than 8 connections: " + pool.stats());
      }
    }

    /** Nested borrows, so that all of them are lent at once: 8 different connections. */
    private Object holdAndUse(int depth) {
      if (depth == 0) {
        return null;
      }
      return pool.withConnection(connection -> {
        connection.call("GET".getBytes(StandardCharsets.UTF_8), KEY.getBytes(StandardCharsets.UTF_8));
        return holdAndUse(depth - 1);
      });
    }

    @Override public void get(String key) { client.get(key); }
    @Override public void close() { pool.close(); }
  }

  static final class JedisPoolClient implements StaleClient {
    private final JedisPool pool;

    JedisPoolClient(int port, boolean testOnBorrow) {
      JedisPoolConfig config = new JedisPoolConfig();
      config.setMaxTotal(CONNECTIONS);
      config.setTestOnBorrow(testOnBorrow);
      pool = new JedisPool(config, Bench.HOST, port);
    }

    @Override
    public void warm() {
      List<Jedis> held = new ArrayList<>();
      for (int i = 0; i < CONNECTIONS; i++) {
        Jedis jedis = pool.getResource();
        jedis.get(KEY);
        held.add(jedis);
      }
      held.forEach(Jedis::close);
    }

    @Override
    public void get(String key) {
      try (Jedis jedis = pool.getResource()) {
        jedis.get(key);
      }
    }

    @Override public void close() { pool.close(); }
  }

  static final class JedisRedisClient implements StaleClient {
    private final RedisClient client;

    JedisRedisClient(int port) {
      client = RedisClient.create(Bench.HOST, port);
    }

    @Override
    public void warm() {
      List<Connection> held = new ArrayList<>();
      for (int i = 0; i < CONNECTIONS; i++) {
        Connection connection = client.getPool().getResource();
        connection.ping();
        held.add(connection);
      }
      held.forEach(Connection::close);
    }

    @Override public void get(String key) { client.get(key); }
    @Override public void close() { client.close(); }
  }
}
