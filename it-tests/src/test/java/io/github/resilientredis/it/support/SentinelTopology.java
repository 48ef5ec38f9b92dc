package io.github.resilientredis.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * A master, one replica and some sentinels, each a {@code redis-server} process this test starts on
 * free loopback ports (no Docker: {@code redis-server <conf> --sentinel}) and stops by its pid.
 *
 * <p>The replica is marked so that every reply says which server answered: after it synced, it
 * holds {@code marker} = {@code "replica"} (the master {@code "master"}) and its {@code counter} is
 * the master's plus {@link #REPLICA_OFFSET}. INCRs reach it as INCRs, so the offset stays: an INCR
 * reply at or above the offset came from the replica, below it from the master.
 */
public final class SentinelTopology implements AutoCloseable {

  public static final String MASTER_NAME = "mymaster";
  public static final long REPLICA_OFFSET = 1_000_000_000L;
  public static final int DOWN_AFTER_MILLIS = 1000;

  private final Path dir;
  private final int masterPort = FreePorts.pick();
  private final int replicaPort = FreePorts.pick();
  private final List<Integer> sentinelPorts = new ArrayList<>();
  private Process master;
  private Process replica;
  private final List<Process> sentinels = new ArrayList<>();

  public SentinelTopology(int sentinelCount) {
    try {
      dir = Files.createTempDirectory("sentinel-it");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    master = server("master", masterPort);
    replica = server("replica", replicaPort, "--replicaof", "127.0.0.1", String.valueOf(masterPort));
    RedisProbe.awaitAnswers("127.0.0.1", masterPort, Duration.ofSeconds(20));
    RedisProbe.awaitAnswers("127.0.0.1", replicaPort, Duration.ofSeconds(20));
    try (Jedis jedis = jedis(masterPort)) {
      jedis.set("marker", "master");
      jedis.set("counter", "0");
    }
    markReplica();
    for (int i = 0; i < sentinelCount; i++) {
      int port = FreePorts.pick();
      sentinelPorts.add(port);
      writeSentinelConf(i, port);
      sentinels.add(startSentinel(i));
    }
    for (int port : sentinelPorts) {
      Await.until(Duration.ofSeconds(20), "sentinel " + port + " knows the replica", () -> {
        try (Jedis jedis = jedis(port)) {
          return jedis.sentinelReplicas(MASTER_NAME).stream().anyMatch(r ->
              String.valueOf(replicaPort).equals(r.get("port")) && r.get("flags").equals("slave"));
        }
      });
    }
  }

  /** Once the replica synced: its own marker and its counter offset, then read-only again. */
  private void markReplica() {
    try (Jedis jedis = jedis(replicaPort)) {
      Await.until(Duration.ofSeconds(20), "the replica synced", () ->
          jedis.info("replication").contains("master_link_status:up")
              && "0".equals(jedis.get("counter")));
      jedis.configSet("replica-read-only", "no");
      jedis.set("marker", "replica");
      jedis.incrBy("counter", REPLICA_OFFSET);
      jedis.configSet("replica-read-only", "yes");
    }
  }

  private Process server(String name, int port, String... extra) {
    Path home = dir.resolve(name);
    List<String> command = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port),
        "--bind", "127.0.0.1", "--dir", mkdir(home).toString(), "--save", "", "--appendonly", "no",
        "--repl-diskless-sync-delay", "0", "--logfile", home.resolve("log").toString()));
    command.addAll(List.of(extra));
    return start(command);
  }

  private void writeSentinelConf(int index, int port) {
    Path home = mkdir(dir.resolve("sentinel" + index));
    String conf = "port " + port + "\nbind 127.0.0.1\ndir " + home + "\nlogfile " + home.resolve("log")
        + "\nsentinel monitor " + MASTER_NAME + " 127.0.0.1 " + masterPort + " 1\n"
        + "sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER_MILLIS + "\n"
        + "sentinel failover-timeout " + MASTER_NAME + " 10000\n";
    try {
      Files.writeString(home.resolve("sentinel.conf"), conf, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Process startSentinel(int index) {
    Process process = start(List.of("redis-server",
        dir.resolve("sentinel" + index).resolve("sentinel.conf").toString(), "--sentinel"));
    RedisProbe.awaitAnswers("127.0.0.1", sentinelPorts.get(index), Duration.ofSeconds(20));
    return process;
  }

  private static Process start(List<String> command) {
    try {
      return new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + command, e);
    }
  }

  private static Path mkdir(Path path) {
    try {
      return Files.createDirectories(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int masterPort() { return masterPort; }
  public int replicaPort() { return replicaPort; }
  public List<Integer> sentinelPorts() { return sentinelPorts; }

  /** {@code 127.0.0.1:port} of each sentinel. */
  public String[] sentinelAddresses() {
    return sentinelPorts.stream().map(p -> "127.0.0.1:" + p).toArray(String[]::new);
  }

  public static Jedis jedis(int port) {
    return new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder()
        .timeoutMillis(2000).autoNegotiateProtocol(false).build());
  }

  /** SENTINEL FAILOVER on the first sentinel: promotes the replica. */
  public void failover() {
    try (Jedis jedis = jedis(sentinelPorts.get(0))) {
      jedis.sentinelFailover(MASTER_NAME);
    }
  }

  /** kill -9 of the master. */
  public void killMaster() throws InterruptedException {
    master.destroyForcibly();
    master.waitFor(10, TimeUnit.SECONDS);
  }

  /** Stops sentinel {@code index} (SIGTERM, by its pid) and waits until it is gone. */
  public void stopSentinel(int index) throws InterruptedException {
    Process process = sentinels.get(index);
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Starts sentinel {@code index} again on its port with the config it rewrote. */
  public void restartSentinel(int index) {
    sentinels.set(index, startSentinel(index));
  }

  /** The names of the clients connected to the server on {@code port} (CLIENT LIST). */
  public static long clientsNamed(int port, String name) {
    try (Jedis jedis = jedis(port)) {
      return jedis.clientList().lines().filter(line -> line.contains(" name=" + name + " "))
          .count();
    }
  }

  @Override
  public void close() {
    List<Process> all = new ArrayList<>(sentinels);
    all.add(master);
    all.add(replica);
    for (Process process : all) {
      if (process != null && process.isAlive()) {
        process.destroyForcibly();
      }
    }
    for (Process process : all) {
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
