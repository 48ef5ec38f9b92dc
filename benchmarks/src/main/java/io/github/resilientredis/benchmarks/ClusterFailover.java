package io.github.resilientredis.benchmarks;

import io.github.resilientredis.pool.RedisCluster;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClusterClient;

/**
 * Issue 12's cluster measurements, in one run on one cluster of 3 primaries and 3 replicas
 * ({@link ClusterProcesses}):
 *
 * <ol>
 *   <li>GET/SET throughput from 8 threads: {@code RedisCluster.client()} against Jedis's
 *       {@code RedisClusterClient} with its defaults, rounds alternating;
 *   <li>for a {@code CLUSTER FAILOVER} and a {@code kill -9} of a primary, each client in turn
 *       (this project, Jedis, Lettuce and Redisson cluster clients, each with its defaults) runs 8
 *       threads of GET, SET and INCR: failed calls, the slowest operation, and threads still stuck
 *       5 s after the load was told to stop, beside how long the cluster took (the replica
 *       reporting master).
 * </ol>
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.resilientredis.benchmarks.ClusterFailover \
 *   --base-port 17400 --dir /tmp/cluster-bench --out benchmarks/results/cluster.md
 * </pre>
 */
public final class ClusterFailover {

  private static final int THREADS = 8;

  /** The three operations, as each client spells them. */
  interface Client extends AutoCloseable {
    String get(String key);

    void set(String key, String value);

    long incr(String key);

    @Override
    void close();
  }

  public static void main(String[] args) throws Exception {
    int basePort = 17400;
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "cluster-bench");
    Path out = null;
    int seconds = 3;
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--base-port" -> basePort = Integer.parseInt(args[i + 1]);
        case "--dir" -> dir = Path.of(args[i + 1]);
        case "--out" -> out = Path.of(args[i + 1]);
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (known: --base-port, --dir, --out, --seconds)");
      }
    }
    Files.createDirectories(dir);
    StringBuilder report = new StringBuilder();
    try (ClusterProcesses cluster = new ClusterProcesses("redis-server", dir, basePort)) {
      throughput(cluster, seconds, report);
      events(cluster, report);
    }
    System.out.println(report);
    if (out != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, report);
    }
    System.exit(0); // stuck client threads must not keep the JVM alive
  }

  // ---- throughput ----

  private static void throughput(ClusterProcesses cluster, int seconds, StringBuilder report) {
    double[] ours = new double[3];
    double[] jedis = new double[3];
    for (int round = 0; round < 3; round++) {
      try (Client c = ours(cluster)) {
        ours[round] = opsPerSecond(c, seconds);
      }
      try (Client c = jedis(cluster)) {
        jedis[round] = opsPerSecond(c, seconds);
      }
    }
    java.util.Arrays.sort(ours);
    java.util.Arrays.sort(jedis);
    report.append("### GET/SET throughput, 8 threads, ").append(seconds)
        .append(" s per round, 3 rounds alternating (median)\n\n")
        .append("| client | ops/s | ratio |\n| --- | --- | --- |\n")
        .append(String.format(Locale.ROOT, "| RedisCluster.client() | %.0f | %.2f |%n", ours[1],
            ours[1] / jedis[1]))
        .append(String.format(Locale.ROOT, "| Jedis RedisClusterClient (defaults) | %.0f | 1.00 |%n",
            jedis[1]))
        .append('\n');
  }

  private static double opsPerSecond(Client client, int seconds) {
    for (int i = 0; i < 1000; i++) {
      client.set("tp:" + i, "value-" + i); // warm every node's connections
    }
    AtomicLong ops = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Thread thread = new Thread(() -> {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long n = 0;
        while (System.nanoTime() < end) {
          String key = "tp:" + random.nextInt(1000);
          if ((n & 1) == 0) {
            client.get(key);
          } else {
            client.set(key, "value");
          }
          n++;
        }
        ops.addAndGet(n);
      });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      join(thread, TimeUnit.SECONDS.toMillis(seconds + 30));
    }
    return ops.get() / (double) seconds;
  }

  // ---- failover events ----

  private static void events(ClusterProcesses cluster, StringBuilder report) throws Exception {
    report.append("### During a failover: 8 threads of GET, SET, INCR; each client with its"
        + " defaults\n\n| event | client | failover (replica reports master) | failed GET | failed"
        + " SET | failed INCR | slowest operation | threads stuck 5 s after stop |\n"
        + "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    String[] names = {"RedisCluster (this project)", "Jedis RedisClusterClient",
        "Lettuce RedisClusterClient", "Redisson"};
    for (String event : new String[] {"CLUSTER FAILOVER", "kill -9 of a primary"}) {
      for (int c = 0; c < names.length; c++) {
        cluster.awaitHealthy();
        Client client = switch (c) {
          case 0 -> ours(cluster);
          case 1 -> jedis(cluster);
          case 2 -> lettuce(cluster);
          default -> redisson(cluster);
        };
        report.append(run(cluster, event, names[c], client)).append('\n');
        System.out.println(report);
      }
    }
  }

  private static String run(ClusterProcesses cluster, String event, String name, Client client)
      throws Exception {
    Load load = new Load(client, name.split(" ")[0].toLowerCase(Locale.ROOT));
    load.start();
    Thread.sleep(1000);
    load.resetSlowest();
    int[] pair = cluster.primaryAndReplica();
    long start = System.nanoTime();
    if (event.startsWith("CLUSTER")) {
      try (Jedis replica = cluster.jedis(pair[1])) {
        replica.clusterFailover();
      }
    } else {
      cluster.kill(pair[0]);
    }
    long deadline = start + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && !roleIsMaster(cluster, pair[1])) {
      Thread.sleep(20);
    }
    long failoverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    Thread.sleep(3000);
    int stuck = load.stop();
    String row = String.format(Locale.ROOT, "| %s | %s | %d ms | %d | %d | %d | %s | %d |", event,
        name, failoverMillis, load.failed.get(0), load.failed.get(1), load.failed.get(2),
        load.slowestMillis() + " ms" + (stuck > 0 ? " (still running)" : ""), stuck);
    Thread closer = new Thread(client::close, "close-" + name);
    closer.setDaemon(true);
    closer.start();
    closer.join(5000);
    if (!event.startsWith("CLUSTER")) {
      cluster.start(pair[0]); // it rejoins as a replica of the promoted one
    }
    return row;
  }

  private static boolean roleIsMaster(ClusterProcesses cluster, int port) {
    try {
      return cluster.role(port).equals("master");
    } catch (RuntimeException notYet) {
      return false;
    }
  }

  /** Eight threads of SET, GET, INCR; per operation: failures and the slowest. */
  private static final class Load {
    final Client client;
    final String prefix;
    final AtomicLongArray failed = new AtomicLongArray(3);
    final AtomicLong slowestNanos = new AtomicLong();
    /** Per thread: when its operation under way started, or 0. */
    final AtomicLongArray opStart = new AtomicLongArray(THREADS);
    final List<Thread> threads = new ArrayList<>();
    volatile boolean stop;

    Load(Client client, String prefix) {
      this.client = client;
      this.prefix = prefix;
    }

    void start() {
      for (int t = 0; t < THREADS; t++) {
        int id = t;
        Thread thread = new Thread(() -> work(id), "load-" + prefix + "-" + t);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
      }
    }

    private void work(int id) {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      for (long i = 0; !stop && System.nanoTime() < end; i++) {
        String key = prefix + ":" + id + ":" + (i % 50);
        op(id, 1, () -> client.set(key, "v"));
        op(id, 0, () -> client.get(key));
        op(id, 2, () -> client.incr(key + ":n"));
      }
    }

    private void op(int thread, int kind, Runnable call) {
      long start = System.nanoTime();
      opStart.set(thread, start);
      try {
        call.run();
      } catch (RuntimeException e) {
        failed.incrementAndGet(kind);
      }
      opStart.set(thread, 0);
      slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
    }

    void resetSlowest() {
      slowestNanos.set(0);
    }

    /** Stops the load; returns how many threads are still inside an operation after 5 s. */
    int stop() throws InterruptedException {
      stop = true;
      long deadline = System.currentTimeMillis() + 5000;
      for (Thread thread : threads) {
        thread.join(Math.max(1, deadline - System.currentTimeMillis()));
      }
      int stuck = 0;
      long now = System.nanoTime();
      for (int t = 0; t < THREADS; t++) {
        long started = opStart.get(t);
        if (threads.get(t).isAlive() && started != 0) {
          stuck++;
          slowestNanos.accumulateAndGet(now - started, Math::max);
        }
      }
      return stuck;
    }

    long slowestMillis() {
      return TimeUnit.NANOSECONDS.toMillis(slowestNanos.get());
    }
  }

  // ---- the clients, each with its defaults ----

  private static Client ours(ClusterProcesses cluster) {
    RedisCluster redisCluster = RedisCluster.builder().nodes(cluster.seed()).build();
    RedisClusterClient redis = redisCluster.client();
    return new Client() {
      public String get(String key) { return redis.get(key); }
      public void set(String key, String value) { redis.set(key, value); }
      public long incr(String key) { return redis.incr(key); }
      public void close() { redisCluster.close(); }
    };
  }

  private static Client jedis(ClusterProcesses cluster) {
    RedisClusterClient redis = RedisClusterClient.create(Set.of(HostAndPort.from(cluster.seed())));
    return new Client() {
      public String get(String key) { return redis.get(key); }
      public void set(String key, String value) { redis.set(key, value); }
      public long incr(String key) { return redis.incr(key); }
      public void close() { redis.close(); }
    };
  }

  private static Client lettuce(ClusterProcesses cluster) {
    io.lettuce.core.cluster.RedisClusterClient client =
        io.lettuce.core.cluster.RedisClusterClient.create("redis://" + cluster.seed());
    StatefulRedisClusterConnection<String, String> connection = client.connect();
    RedisAdvancedClusterCommands<String, String> redis = connection.sync();
    return new Client() {
      public String get(String key) { return redis.get(key); }
      public void set(String key, String value) { redis.set(key, value); }
      public long incr(String key) { return redis.incr(key); }
      public void close() {
        connection.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
      }
    };
  }

  private static Client redisson(ClusterProcesses cluster) {
    Config config = new Config();
    config.useClusterServers().addNodeAddress("redis://" + cluster.seed());
    RedissonClient redis = Redisson.create(config);
    return new Client() {
      public String get(String key) {
        return redis.<String>getBucket(key, StringCodec.INSTANCE).get();
      }

      public void set(String key, String value) {
        redis.<String>getBucket(key, StringCodec.INSTANCE).set(value);
      }

      public long incr(String key) { return redis.getAtomicLong(key).incrementAndGet(); }
      public void close() { redis.shutdown(); }
    };
  }

  private static void join(Thread thread, long millis) {
    try {
      thread.join(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private ClusterFailover() {}

}
