package io.github.resilientredis.benchmarks;

import io.github.resilientredis.pool.RedisPool;
import io.lettuce.core.ReadFrom;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.masterreplica.MasterReplica;
import io.lettuce.core.masterreplica.StatefulRedisMasterReplicaConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.redisson.Redisson;
import org.redisson.api.RAtomicLong;
import org.redisson.api.RBucket;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisSentinelClient;

/**
 * A Sentinel failover under load, client by client in one run: a fresh master, replica and
 * sentinel for each, 8 threads looping GET and INCR, then {@code SENTINEL FAILOVER}. For each
 * client: when the first INCR was served by the new master, counted from the sentinel's
 * {@code +failover-state-send-slaveof-noone}; failed calls; acknowledged INCRs missing from the new
 * master's counter (lost) or counted twice; GETs the old master answered after the promotion.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.resilientredis.benchmarks.SentinelFailover \
 *   --redis-server /usr/bin/redis-server --dir /tmp/sf [--threads 8] [--after-switch 6] \
 *   [--rounds 1] [--out benchmarks/results/sentinel-failover.md]
 * </pre>
 */
public final class SentinelFailover {

  private static final String PROMOTION = "+failover-state-send-slaveof-noone";
  private static final String SWITCH = "+switch-master";

  /** The client under test: GET and INCR from many threads, then close. */
  interface Client extends AutoCloseable {
    String get(String key);

    long incr(String key);

    @Override
    void close();
  }

  record Result(String client, int round, long firstNewIncrMillis, long switchMillis, long failedGets,
      long failedIncrs, long acked, long lost, long doubled, long staleGets) {}

  private SentinelFailover() {}

  public static void main(String[] args) throws Exception {
    Bench.Options options = new Bench.Options(args, "redis-server", "dir", "threads",
        "after-switch", "rounds", "out", "clients");
    String redisServer = options.get("redis-server", "redis-server");
    Path dir = Path.of(options.require("dir"));
    int threads = options.getInt("threads", 8);
    int afterSwitch = options.getInt("after-switch", 6);
    int rounds = options.getInt("rounds", 1);
    List<String> clients = List.of(options.get("clients", "resilient,jedis,lettuce,redisson")
        .split(","));
    List<Result> results = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      for (String client : clients) {
        Path runDir = Files.createDirectories(dir.resolve(client + "-" + round));
        try (SentinelSet set = new SentinelSet(redisServer, runDir)) {
          Result result = run(client, round, set, threads, afterSwitch);
          System.err.println("sentinel-failover: " + result);
          results.add(result);
        }
      }
    }
    String report = report(results, threads, afterSwitch);
    System.out.println(report);
    String out = options.get("out", null);
    if (out != null) {
      Files.writeString(Path.of(out), report, StandardCharsets.UTF_8);
    }
    System.exit(0); // client libraries may leave non-daemon threads behind
  }

  private static Client open(String name, SentinelSet set) {
    String sentinel = Bench.HOST + ":" + set.sentinelPort;
    switch (name) {
      case "resilient" -> {
        RedisPool pool = RedisPool.builder().name("resilient")
            .sentinel(SentinelSet.MASTER_NAME, sentinel).maxTotal(8).build();
        var redis = pool.client();
        return client(redis::get, redis::incr, pool::close);
      }
      case "jedis" -> {
        RedisSentinelClient redis = RedisSentinelClient.builder().masterName(SentinelSet.MASTER_NAME)
            .sentinels(Set.of(new HostAndPort(Bench.HOST, set.sentinelPort))).build();
        return client(redis::get, redis::incr, redis::close);
      }
      case "lettuce" -> {
        io.lettuce.core.RedisClient lettuce = io.lettuce.core.RedisClient.create();
        StatefulRedisMasterReplicaConnection<String, String> connection = MasterReplica.connect(
            lettuce, StringCodec.UTF8, RedisURI.Builder.sentinel(Bench.HOST, set.sentinelPort,
                SentinelSet.MASTER_NAME).build());
        connection.setReadFrom(ReadFrom.UPSTREAM);
        RedisCommands<String, String> redis = connection.sync();
        return client(redis::get, redis::incr, () -> {
          connection.close();
          lettuce.shutdown();
        });
      }
      case "redisson" -> {
        Config config = new Config();
        config.useSentinelServers().setMasterName(SentinelSet.MASTER_NAME)
            .addSentinelAddress("redis://" + sentinel).setCheckSentinelsList(false)
            .setReadMode(ReadMode.MASTER);
        RedissonClient redisson = Redisson.create(config);
        RBucket<String> marker = redisson.getBucket("marker",
            org.redisson.client.codec.StringCodec.INSTANCE);
        RAtomicLong counter = redisson.getAtomicLong("counter");
        return client(key -> marker.get(), key -> counter.incrementAndGet(), redisson::shutdown);
      }
      default -> throw new IllegalArgumentException("unknown client '" + name
          + "' (known: resilient, jedis, lettuce, redisson)");
    }
  }

  private static Client client(java.util.function.Function<String, String> get,
      java.util.function.ToLongFunction<String> incr, Runnable close) {
    return new Client() {
      @Override
      public String get(String key) {
        return get.apply(key);
      }

      @Override
      public long incr(String key) {
        return incr.applyAsLong(key);
      }

      @Override
      public void close() {
        close.run();
      }
    };
  }

  private static Result run(String name, int round, SentinelSet set, int threads,
      int afterSwitchSeconds)
      throws Exception {
    ConcurrentHashMap<String, Long> events = new ConcurrentHashMap<>();
    JedisPubSub subscriber = new JedisPubSub() {
      @Override
      public void onPMessage(String pattern, String channel, String message) {
        events.putIfAbsent(channel, System.nanoTime());
      }
    };
    Thread listener = new Thread(() -> {
      try (Jedis jedis = SentinelSet.jedis(set.sentinelPort)) {
        jedis.psubscribe(subscriber, "*");
      } catch (RuntimeException closed) {
        // unsubscribed, or the sentinel stopped
      }
    }, "sentinel-events");
    listener.setDaemon(true);
    listener.start();
    AtomicLong failedGets = new AtomicLong();
    AtomicLong failedIncrs = new AtomicLong();
    AtomicLong acked = new AtomicLong();
    AtomicLong firstNewIncr = new AtomicLong();
    List<Long> oldGetTimes = java.util.Collections.synchronizedList(new ArrayList<>());
    try (Client client = open(name, set)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      AtomicLong stopAt = new AtomicLong(deadline);
      List<Thread> workers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        Thread worker = new Thread(() -> {
          long lastOldGet = 0;
          while (System.nanoTime() - stopAt.get() < 0) {
            try {
              if ("master".equals(client.get("marker"))) {
                lastOldGet = System.nanoTime();
                oldGetTimes.add(lastOldGet);
              }
            } catch (RuntimeException e) {
              failedGets.incrementAndGet();
            }
            try {
              long value = client.incr("counter");
              acked.incrementAndGet();
              if (value >= SentinelSet.REPLICA_OFFSET) {
                firstNewIncr.compareAndSet(0, System.nanoTime());
              }
            } catch (RuntimeException e) {
              failedIncrs.incrementAndGet();
            }
          }
        }, name + "-load-" + i);
        worker.setDaemon(true);
        workers.add(worker);
      }
      workers.forEach(Thread::start);
      Thread.sleep(1000); // warm up before the failover
      try (Jedis sentinel = SentinelSet.jedis(set.sentinelPort)) {
        sentinel.sentinelFailover(SentinelSet.MASTER_NAME);
      }
      long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (events.get(SWITCH) == null && System.nanoTime() - waitUntil < 0) {
        Thread.sleep(10);
      }
      stopAt.set(System.nanoTime() + TimeUnit.SECONDS.toNanos(afterSwitchSeconds));
      for (Thread worker : workers) {
        worker.join(TimeUnit.SECONDS.toMillis(afterSwitchSeconds + 30));
      }
    } finally {
      if (subscriber.isSubscribed()) {
        subscriber.punsubscribe();
      }
    }
    Long promoted = events.get(PROMOTION);
    Long switched = events.get(SWITCH);
    long applied = set.newMasterCounter();
    long stale = 0;
    if (promoted != null) {
      synchronized (oldGetTimes) {
        stale = oldGetTimes.stream().filter(t -> t - promoted > 0).count();
      }
    }
    long first = firstNewIncr.get();
    return new Result(name, round, promoted == null || first == 0 ? -1 : millis(first - promoted),
        promoted == null || switched == null ? -1 : millis(switched - promoted), failedGets.get(),
        failedIncrs.get(), acked.get(), Math.max(0, acked.get() - applied),
        Math.max(0, applied - acked.get() - failedIncrs.get()), stale);
  }

  private static long millis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private static String label(String client) {
    return switch (client) {
      case "resilient" -> "resilient-redis `RedisPool` (sentinel)";
      case "jedis" -> "Jedis 8.0.2 `RedisSentinelClient`";
      case "lettuce" -> "Lettuce 7.7.0 `MasterReplica` (sentinel, UPSTREAM)";
      case "redisson" -> "Redisson 4.7.0 `useSentinelServers` (ReadMode.MASTER)";
      default -> client;
    };
  }

  static String report(List<Result> results, int threads, int afterSwitch) {
    StringBuilder md = new StringBuilder();
    md.append("One master, one replica, one sentinel (`redis-server --sentinel`, down-after 1 s) per")
        .append(" client, fresh for each; ").append(threads).append(" threads looping GET and INCR;")
        .append(" `SENTINEL FAILOVER` after 1 s; load until ").append(afterSwitch)
        .append(" s after `+switch-master`. Times are from the sentinel's")
        .append(" `+failover-state-send-slaveof-noone` (the replica is told to become master).\n\n")
        .append("| round | client | first INCR on the new master (ms) | `+switch-master` (ms) |")
        .append(" failed GETs | failed INCRs | acknowledged INCRs | lost acknowledged INCRs |")
        .append(" doubled INCRs | GETs answered by the old master after the promotion |\n")
        .append("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Result r : results) {
      md.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %d | %d | %d | %d | %d | %d |%n",
          r.round(), label(r.client()), r.firstNewIncrMillis() < 0 ? "never" : r.firstNewIncrMillis(),
          r.switchMillis() < 0 ? "?" : r.switchMillis(), r.failedGets(), r.failedIncrs(),
          r.acked(), r.lost(), r.doubled(), r.staleGets()));
    }
    return md.toString();
  }
}
