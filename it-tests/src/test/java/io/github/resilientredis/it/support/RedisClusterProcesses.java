package io.github.resilientredis.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;

/**
 * A real Redis Cluster of redis-server processes on free loopback ports: {@code primaries}
 * primaries with one replica each, made by {@code redis-cli --cluster create}. Every process is
 * stopped by the pid in its pidfile; nothing else is touched.
 */
public final class RedisClusterProcesses implements AutoCloseable {

  /** {@code cluster-node-timeout}: how long before a silent primary is failed over. */
  public static final int NODE_TIMEOUT_MILLIS = 2000;
  /**
   * The timeout while the cluster forms: a node forgets a peer whose handshake takes longer, and
   * {@code redis-cli --cluster create} then waits for it forever. On a loaded machine 2 s is not
   * always enough; it is lowered to {@link #NODE_TIMEOUT_MILLIS} once the cluster is up.
   */
  private static final int CREATE_NODE_TIMEOUT_MILLIS = 15000;

  private final Path dir;
  private final List<Integer> ports = new ArrayList<>();
  private final int serverTimeoutSeconds;
  private final java.util.Set<Integer> restarted = new java.util.HashSet<>();

  private RedisClusterProcesses(Path dir, int serverTimeoutSeconds) {
    this.dir = dir;
    this.serverTimeoutSeconds = serverTimeoutSeconds;
  }

  /** Starts 2 x {@code primaries} nodes with {@code timeout serverTimeoutSeconds}. */
  public static RedisClusterProcesses start(int primaries, int serverTimeoutSeconds) {
    try {
      RedisClusterProcesses cluster = new RedisClusterProcesses(
          Files.createTempDirectory("redis-cluster-it"), serverTimeoutSeconds);
      try {
        for (int i = 0; i < primaries * 2; i++) {
          int port = clusterPort(cluster.ports);
          cluster.ports.add(port);
          cluster.startNode(port);
        }
        cluster.create();
        return cluster;
      } catch (RuntimeException | Error e) {
        cluster.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }


  /**
   * A port whose cluster bus port (port + 10000) is free too, both below the kernel's ephemeral
   * range (32768 and up on Linux): a bus port taken by some other socket leaves
   * {@code redis-cli --cluster create} waiting for the nodes to meet.
   */
  private static int clusterPort(List<Integer> taken) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = 20000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(2700);
      if (!taken.contains(port) && isFree(port) && isFree(port + 10000)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port pair (port, port + 10000) below 32768");
  }

  private static boolean isFree(int port) {
    try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
      socket.bind(new java.net.InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void startNode(int port) {
    Path nodeDir = dir.resolve(String.valueOf(port));
    try {
      Files.createDirectories(nodeDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    run(Duration.ofSeconds(10), "redis-server", "--port", String.valueOf(port), "--bind",
        "127.0.0.1", "--dir", nodeDir.toString(), "--daemonize", "yes", "--pidfile",
        pidFile(port).toString(), "--logfile", nodeDir.resolve("redis.log").toString(), "--save",
        "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--cluster-enabled", "yes",
        "--cluster-config-file", nodeDir.resolve("nodes.conf").toString(),
        "--cluster-node-timeout", String.valueOf(CREATE_NODE_TIMEOUT_MILLIS),
        // No idle timeout until the cluster has formed: redis-cli --cluster create keeps one
        // connection per node and never reconnects, so a node that closed it for idling (a slow
        // join on a busy machine) left redis-cli waiting for the join forever. Set by settle().
        "--timeout", "0");
    Await.until(Duration.ofSeconds(10), "node " + port + " answers PING", () -> {
      try (Jedis jedis = jedis(port)) {
        return "PONG".equals(jedis.ping());
      }
    });
  }

  private void create() {
    List<String> command = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
    for (int port : ports) {
      command.add("127.0.0.1:" + port);
    }
    command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
    try {
      run(Duration.ofSeconds(60), command.toArray(String[]::new));
    } catch (IllegalStateException e) {
      throw new IllegalStateException("the cluster did not form; each node's view:" + views(), e);
    }
    awaitHealthy();
    for (int port : ports) {
      settle(port);
    }
  }

  /** The settings a node runs the tests with: the short node timeout, the server's timeout. */
  private void settle(int port) {
    try (Jedis jedis = jedis(port)) {
      jedis.configSet("cluster-node-timeout", String.valueOf(NODE_TIMEOUT_MILLIS));
      jedis.configSet("timeout", String.valueOf(serverTimeoutSeconds));
    }
  }

  /** Every node says the cluster is ok and every replica has finished its first sync. */
  public void awaitHealthy() {
    Await.until(Duration.ofSeconds(30), "cluster ok on every live node, replicas in sync", () -> {
      for (int port : livePorts()) {
        try (Jedis jedis = jedis(port)) {
          if (!jedis.clusterInfo().contains("cluster_state:ok")) {
            return false;
          }
          String replication = jedis.info("replication");
          if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
            return false;
          }
        }
      }
      return true;
    });
  }

  public List<Integer> ports() {
    return List.copyOf(ports);
  }

  public List<String> seeds() {
    return ports.stream().map(p -> "127.0.0.1:" + p).toList();
  }

  /** Ports of nodes whose pidfile exists (not killed). */
  public List<Integer> livePorts() {
    return ports.stream().filter(p -> Files.exists(pidFile(p))).toList();
  }

  /** The role ("master" or "slave") a live node reports. */
  public String role(int port) {
    try (Jedis jedis = jedis(port)) {
      return jedis.role().get(0).toString();
    }
  }

  public List<Integer> primaryPorts() {
    return livePorts().stream().filter(p -> role(p).equals("master")).toList();
  }

  /** The port of a live replica of the primary on {@code primaryPort}. */
  public int replicaOf(int primaryPort) {
    for (int port : livePorts()) {
      try (Jedis jedis = jedis(port)) {
        String replication = jedis.info("replication");
        if (replication.contains("role:slave")
            && replication.contains("master_port:" + primaryPort + "\r\n")) {
          return port;
        }
      }
    }
    throw new IllegalStateException("no replica of " + primaryPort);
  }

  /** The port of the primary serving {@code slot}. */
  public int primaryOfSlot(int slot) {
    for (int port : primaryPorts()) {
      try (Jedis jedis = jedis(port)) {
        String owner = jedis.clusterNodes().lines().filter(l -> l.contains("myself"))
            .findFirst().orElseThrow();
        String[] fields = owner.split(" ");
        // id addr flags master ping-sent pong-recv epoch link-state slot...
        for (String range : List.of(fields).subList(Math.min(8, fields.length), fields.length)) {
          if (range.matches("\\d+(-\\d+)?")) {
            String[] ends = range.split("-");
            int start = Integer.parseInt(ends[0]);
            int end = ends.length > 1 ? Integer.parseInt(ends[1]) : start;
            if (slot >= start && slot <= end) {
              return port;
            }
          }
        }
      }
    }
    throw new IllegalStateException("no primary serves slot " + slot);
  }

  /** {@code kill -9} of the node on {@code port}, by its pid. */
  public void kill(int port) {
    Path pidFile = pidFile(port);
    try {
      String pid = Files.readString(pidFile, StandardCharsets.US_ASCII).trim();
      run(Duration.ofSeconds(5), "kill", "-9", pid);
      Files.delete(pidFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code kill -9} of a primary once its replica has every write it acknowledged: writes are
   * paused on it (they wait, unanswered) until the replica's offset reaches the primary's. Redis
   * replicates asynchronously, so a write acknowledged a moment before a kill may be lost with the
   * primary whatever the client does; the tests check what the client can answer for.
   */
  public void killInSync(int primary, int replica) {
    try (Jedis jedis = jedis(primary)) {
      jedis.clientPause(5000, redis.clients.jedis.args.ClientPauseMode.WRITE);
      long offset = Long.parseLong(field(jedis.info("replication"), "master_repl_offset"));
      Await.until(Duration.ofSeconds(5), "replica " + replica + " at offset " + offset, () -> {
        try (Jedis r = jedis(replica)) {
          return Long.parseLong(field(r.info("replication"), "slave_repl_offset")) >= offset;
        }
      });
    }
    kill(primary);
  }

  /**
   * {@code CLUSTER FAILOVER} on {@code replica}: the milliseconds until it reports master, the
   * cluster's own failover time that the tests bound their slowest operation by.
   */
  public long manualFailover(int replica) {
    return timeUntilMaster(replica, "CLUSTER FAILOVER", () -> {
      try (Jedis jedis = jedis(replica)) {
        jedis.clusterFailover();
      }
    });
  }

  /** {@link #killInSync}, then the milliseconds until {@code replica} reports master. */
  public long killAndAwaitPromotion(int primary, int replica) {
    return timeUntilMaster(replica, "kill -9 of " + primary, () -> killInSync(primary, replica));
  }

  private long timeUntilMaster(int replica, String event, Runnable action) {
    System.out.println("RedisClusterProcesses: " + event + " at " + java.time.Instant.now());
    long start = System.nanoTime();
    action.run();
    Await.until(Duration.ofSeconds(20), replica + " reports master",
        () -> role(replica).equals("master"));
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  private static String field(String info, String name) {
    return info.lines().filter(l -> l.startsWith(name + ":")).findFirst().orElseThrow()
        .substring(name.length() + 1).trim();
  }

  /** Starts a killed node again with its old config (it rejoins the cluster). */
  public void restart(int port) {
    restarted.add(port);
    startNode(port);
    settle(port);
  }

  /**
   * A primary whose replica was never killed nor restarted, so it has followed one primary since
   * the cluster was created (a restarted node rejoins with a stale config that the other nodes
   * correct by gossip, and until then a {@code CLUSTER FAILOVER} on it can time out unseen).
   */
  public int primaryWithOriginalReplica() {
    for (int primary : primaryPorts()) {
      int replica = replicaOf(primary);
      if (!restarted.contains(replica) && !restarted.contains(primary)) {
        return primary;
      }
    }
    throw new IllegalStateException("every shard had a node restarted: " + restarted);
  }

  /**
   * Waits until {@code replica} can take part in a manual failover: its link is up, it has every
   * write of {@code primary}, and every live node lists it as a healthy replica of that primary
   * (the primary ignores a failover request from a node it does not see as its replica, and the
   * other primaries refuse their votes).
   */
  public void awaitReadyReplica(int primary, int replica) {
    String primaryId;
    String replicaId;
    try (Jedis jedis = jedis(primary)) {
      primaryId = jedis.clusterMyId();
    }
    try (Jedis jedis = jedis(replica)) {
      replicaId = jedis.clusterMyId();
    }
    Await.until(Duration.ofSeconds(20), replica + " in sync and known by all as replica of "
        + primary, () -> {
          long offset;
          try (Jedis jedis = jedis(primary)) {
            offset = Long.parseLong(field(jedis.info("replication"), "master_repl_offset"));
          }
          try (Jedis jedis = jedis(replica)) {
            String replication = jedis.info("replication");
            if (!replication.contains("master_link_status:up")
                || Long.parseLong(field(replication, "slave_repl_offset")) < offset) {
              return false;
            }
          }
          for (int port : livePorts()) {
            try (Jedis jedis = jedis(port)) {
              String[] line = jedis.clusterNodes().lines().filter(l -> l.startsWith(replicaId))
                  .findFirst().orElse("").split(" ");
              // id addr flags master ...: a replica of that primary, with no fail flag
              if (line.length < 4 || !line[2].contains("slave") || line[2].contains("fail")
                  || !line[3].equals(primaryId)) {
                return false;
              }
            }
          }
          return true;
        });
  }

  /** Each node's CLUSTER NODES, for a failure message. */
  private String views() {
    StringBuilder views = new StringBuilder();
    for (int port : ports) {
      views.append("\n--- ").append(port).append(":\n");
      try (Jedis jedis = jedis(port)) {
        views.append(jedis.clusterNodes());
      } catch (RuntimeException e) {
        views.append(e);
      }
    }
    return views.toString();
  }

  public Jedis jedis(int port) {
    return new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder()
        .timeoutMillis(2000).protocol(RedisProtocol.RESP2).build());
  }

  private Path pidFile(int port) {
    return dir.resolve(port + ".pid");
  }

  private void run(Duration timeout, String... command) {
    try {
      Path output = Files.createTempFile(dir, "command", ".out");
      Process process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(output.toFile()).start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish within "
            + timeout + ": " + Files.readString(output, StandardCharsets.UTF_8));
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: "
            + Files.readString(output, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    for (int port : ports) {
      if (Files.exists(pidFile(port))) {
        kill(port);
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A temp directory left behind is harmless.
    }
  }
}
