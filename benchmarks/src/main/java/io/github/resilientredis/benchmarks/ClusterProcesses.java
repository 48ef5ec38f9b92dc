package io.github.resilientredis.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;

/**
 * Three primaries and three replicas as redis-server child processes on the loopback ports
 * {@code basePort .. basePort+5}, {@code cluster-node-timeout 2000} and {@code timeout 2} (the
 * setup of issue 12). {@link #kill} is a {@code kill -9} of one node; every node is stopped at exit.
 */
final class ClusterProcesses implements AutoCloseable {

  private final String binary;
  private final Path dir;
  private final Map<Integer, Process> nodes = new TreeMap<>();

  ClusterProcesses(String binary, Path dir, int basePort) throws IOException, InterruptedException {
    this.binary = binary;
    this.dir = dir;
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, "cluster-stop"));
    for (int i = 0; i < 6; i++) {
      start(Bench.requirePort(basePort + i));
    }
    List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
    for (int port : nodes.keySet()) {
      create.add(Bench.HOST + ":" + port);
    }
    create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
    Path output = dir.resolve("create.out");
    Process cli = new ProcessBuilder(create).redirectErrorStream(true)
        .redirectOutput(output.toFile()).start();
    if (!cli.waitFor(60, TimeUnit.SECONDS) || cli.exitValue() != 0) {
      cli.destroyForcibly();
      throw new IllegalStateException("redis-cli --cluster create failed: "
          + Files.readString(output, StandardCharsets.UTF_8));
    }
    awaitHealthy();
    for (int port : nodes.keySet()) {
      try (Jedis jedis = jedis(port)) {
        jedis.configSet("timeout", "2");
      }
    }
  }

  void start(int port) throws IOException {
    Path nodeDir = dir.resolve(Integer.toString(port));
    Files.createDirectories(nodeDir);
    Process process = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind",
        Bench.HOST, "--dir", nodeDir.toString(), "--save", "", "--appendonly", "no",
        "--repl-diskless-sync-delay", "0", "--cluster-enabled", "yes", "--cluster-config-file",
        "nodes.conf", "--cluster-node-timeout", "2000",
        // timeout 2 is set once the cluster has formed: redis-cli --cluster create never
        // reconnects, and a node closing its idle connection left it waiting forever
        "--timeout", "0", "--logfile",
        nodeDir.resolve("redis.log").toString())
        .redirectErrorStream(true).redirectOutput(nodeDir.resolve("stdout").toFile()).start();
    nodes.put(port, process);
    if (!Bench.awaitPing(port, 10_000)) {
      throw new IllegalStateException("redis-server on " + port + " did not start");
    }
  }

  List<Integer> ports() {
    return List.copyOf(nodes.keySet());
  }

  String seed() {
    return Bench.HOST + ":" + nodes.keySet().iterator().next();
  }

  /** SIGKILL, as {@code kill -9}. */
  void kill(int port) throws InterruptedException {
    Process process = nodes.get(port);
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  String role(int port) {
    try (Jedis jedis = jedis(port)) {
      return jedis.role().get(0).toString();
    }
  }

  /** A live primary and one of its replicas, the replica's port second. */
  int[] primaryAndReplica() {
    for (int port : livePorts()) {
      try (Jedis jedis = jedis(port)) {
        String info = jedis.info("replication");
        if (info.contains("role:slave") && info.contains("master_link_status:up")) {
          int primary = Integer.parseInt(info.replaceAll("(?s).*master_port:(\\d+).*", "$1"));
          return new int[] {primary, port};
        }
      }
    }
    throw new IllegalStateException("no replica in sync");
  }

  List<Integer> livePorts() {
    return nodes.entrySet().stream().filter(e -> e.getValue().isAlive()).map(Map.Entry::getKey)
        .toList();
  }

  /** Every live node says ok and every replica is in sync; bounded. */
  void awaitHealthy() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (healthy()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the cluster did not become healthy within 60 s");
  }

  private boolean healthy() {
    try {
      for (int port : livePorts()) {
        try (Jedis jedis = jedis(port)) {
          if (!jedis.clusterInfo().contains("cluster_state:ok")) {
            return false;
          }
          String info = jedis.info("replication");
          if (info.contains("role:slave") && !info.contains("master_link_status:up")) {
            return false;
          }
        }
      }
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  Jedis jedis(int port) {
    return new Jedis(new HostAndPort(Bench.HOST, port), DefaultJedisClientConfig.builder()
        .timeoutMillis(2000).protocol(RedisProtocol.RESP2).build());
  }

  @Override
  public synchronized void close() {
    for (Process process : nodes.values()) {
      process.destroyForcibly();
    }
  }
}
