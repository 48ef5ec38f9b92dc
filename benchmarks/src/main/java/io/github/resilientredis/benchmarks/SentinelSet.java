package io.github.resilientredis.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * A master, a replica and one sentinel, redis-server processes on loopback ports, stopped by pid.
 * The replica is marked so each reply names the server that gave it: {@code marker} reads
 * "replica" there, and its {@code counter} is the master's plus {@link #REPLICA_OFFSET} (INCRs
 * reach it as INCRs, so the offset stays).
 */
final class SentinelSet implements AutoCloseable {

  static final String MASTER_NAME = "mymaster";
  static final long REPLICA_OFFSET = 1_000_000_000L;

  private final List<Process> processes = new ArrayList<>();
  private final Thread stopAtExit = new Thread(this::close, "sentinel-set-stop");
  final int masterPort;
  final int replicaPort;
  final int sentinelPort;

  SentinelSet(String redisServer, Path dir) throws IOException, InterruptedException {
    Runtime.getRuntime().addShutdownHook(stopAtExit);
    masterPort = freePort();
    replicaPort = freePort();
    sentinelPort = freePort();
    start(redisServer, dir.resolve("master"), masterPort);
    start(redisServer, dir.resolve("replica"), replicaPort, "--replicaof", Bench.HOST,
        String.valueOf(masterPort));
    try (Jedis master = jedis(masterPort); Jedis replica = jedis(replicaPort)) {
      master.set("marker", "master");
      master.set("counter", "0");
      await(() -> replica.info("replication").contains("master_link_status:up")
          && "0".equals(replica.get("counter")), "the replica synced");
      replica.configSet("replica-read-only", "no");
      replica.set("marker", "replica");
      replica.incrBy("counter", REPLICA_OFFSET);
      replica.configSet("replica-read-only", "yes");
    }
    Path sentinelDir = Files.createDirectories(dir.resolve("sentinel"));
    Path conf = sentinelDir.resolve("sentinel.conf");
    Files.writeString(conf, "port " + sentinelPort + "\nbind " + Bench.HOST + "\ndir " + sentinelDir
        + "\nlogfile " + sentinelDir.resolve("log") + "\nsentinel monitor " + MASTER_NAME + " "
        + Bench.HOST + " " + masterPort + " 1\nsentinel down-after-milliseconds " + MASTER_NAME
        + " 1000\nsentinel failover-timeout " + MASTER_NAME + " 10000\n", StandardCharsets.UTF_8);
    processes.add(new ProcessBuilder(redisServer, conf.toString(), "--sentinel")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
    if (!Bench.awaitPing(sentinelPort, 10_000)) {
      throw new IllegalStateException("the sentinel did not start on " + sentinelPort);
    }
    try (Jedis sentinel = jedis(sentinelPort)) {
      await(() -> sentinel.sentinelReplicas(MASTER_NAME).stream().anyMatch(r ->
          String.valueOf(replicaPort).equals(r.get("port")) && "slave".equals(r.get("flags"))),
          "the sentinel knows the replica");
    }
  }

  private void start(String redisServer, Path dir, int port, String... extra) throws IOException {
    Files.createDirectories(dir);
    List<String> command = new ArrayList<>(List.of(redisServer, "--port", String.valueOf(port),
        "--bind", Bench.HOST, "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0",
        "--dir", dir.toString(), "--logfile", dir.resolve("log").toString()));
    command.addAll(List.of(extra));
    processes.add(new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
    if (!Bench.awaitPing(port, 10_000)) {
      throw new IllegalStateException("redis-server did not start on " + port);
    }
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static Jedis jedis(int port) {
    return new Jedis(new HostAndPort(Bench.HOST, port), DefaultJedisClientConfig.builder()
        .timeoutMillis(2000).autoNegotiateProtocol(false).build());
  }

  /** The counter as the promoted replica holds it, offset removed. */
  long newMasterCounter() {
    try (Jedis replica = jedis(replicaPort)) {
      return Long.parseLong(replica.get("counter")) - REPLICA_OFFSET;
    }
  }

  private static void await(java.util.function.BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  @Override
  public void close() {
    for (Process process : processes) {
      process.destroyForcibly();
    }
    for (Process process : processes) {
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(stopAtExit);
    } catch (IllegalStateException shuttingDown) {
      // already exiting: the hook runs this anyway
    }
  }
}
