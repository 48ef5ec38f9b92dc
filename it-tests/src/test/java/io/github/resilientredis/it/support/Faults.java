package io.github.resilientredis.it.support;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ContainerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.time.Duration;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

/**
 * Real faults, done to a real Redis through Docker or through Redis itself: no proxy that imitates
 * them. Each call returns once Docker (or Redis) has done it; waiting for the consequences is the
 * test's business ({@link Await}).
 */
public final class Faults {

  private static final Logger log = LoggerFactory.getLogger(Faults.class);
  /** Seconds Docker waits after SIGTERM; Redis without persistence stops well within it. */
  private static final int STOP_TIMEOUT_SECONDS = 5;

  private Faults() {}

  /**
   * Freezes every process in the container: connections stay open and nothing answers (a hung
   * server, or a network that silently drops packets).
   */
  public static void pause(GenericContainer<?> redis) {
    log.info("fault: pause {}", name(redis));
    docker(redis).pauseContainerCmd(redis.getContainerId()).exec();
  }

  public static void unpause(GenericContainer<?> redis) {
    log.info("fault: unpause {}", name(redis));
    docker(redis).unpauseContainerCmd(redis.getContainerId()).exec();
  }

  /**
   * Stops Redis (SIGTERM: it closes its clients and exits) and keeps the container, so that
   * {@link #start} brings the same server back. Use a container made by
   * {@link RedisContainers#redisOnHostPort} or the port changes on start.
   */
  public static void stop(GenericContainer<?> redis) {
    log.info("fault: stop {}", name(redis));
    docker(redis).stopContainerCmd(redis.getContainerId()).withTimeout(STOP_TIMEOUT_SECONDS).exec();
  }

  /** Starts a container stopped by {@link #stop}. Redis answers a moment later: await it. */
  public static void start(GenericContainer<?> redis) {
    log.info("fault: start {}", name(redis));
    docker(redis).startContainerCmd(redis.getContainerId()).exec();
  }

  /**
   * Takes the container off a network the test created and attached it to
   * ({@code .withNetwork(network)}): its published port stops leading anywhere.
   */
  public static void disconnect(GenericContainer<?> redis, Network network) {
    log.info("fault: disconnect {} from network {}", name(redis), network.getId());
    docker(redis).disconnectFromNetworkCmd()
        .withNetworkId(network.getId())
        .withContainerId(redis.getContainerId())
        .withForce(true)
        .exec();
  }

  /**
   * A network whose subnet is fixed at creation, so that a container can be reattached with the
   * address it had ({@link #reconnect(GenericContainer, Network, String)}). The subnet is one Docker
   * itself picks as free: it makes a throwaway network, notes its subnet and removes it.
   */
  public static Network networkWithFixedSubnet() {
    DockerClient docker = DockerClientFactory.instance().client();
    String probe = docker.createNetworkCmd().withName("rr-subnet-probe-" + UUID.randomUUID())
        .exec().getId();
    String subnet;
    try {
      subnet = docker.inspectNetworkCmd().withNetworkId(probe).exec()
          .getIpam().getConfig().get(0).getSubnet();
    } finally {
      docker.removeNetworkCmd(probe).exec();
    }
    return Network.builder()
        .createNetworkCmdModifier(cmd -> cmd.withIpam(new com.github.dockerjava.api.model.Network.Ipam()
            .withConfig(new com.github.dockerjava.api.model.Network.Ipam.Config().withSubnet(subnet))))
        .build();
  }

  /** The container's address on a network it is attached to. */
  public static String addressOn(GenericContainer<?> redis, Network network) {
    return redis.getContainerInfo().getNetworkSettings().getNetworks().values().stream()
        .filter(n -> network.getId().equals(n.getNetworkID()))
        .map(ContainerNetwork::getIpAddress)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("not attached to " + network.getId()));
  }

  /** Reattaches the container with the address it had, so that clients of that address reach it. */
  public static void reconnect(GenericContainer<?> redis, Network network, String address) {
    log.info("fault: reconnect {} to network {} as {}", name(redis), network.getId(), address);
    docker(redis).connectToNetworkCmd()
        .withNetworkId(network.getId())
        .withContainerId(redis.getContainerId())
        .withContainerNetwork(new ContainerNetwork()
            .withIpamConfig(new ContainerNetwork.Ipam().withIpv4Address(address)))
        .exec();
  }

  public static void reconnect(GenericContainer<?> redis, Network network) {
    log.info("fault: reconnect {} to network {}", name(redis), network.getId());
    docker(redis).connectToNetworkCmd()
        .withNetworkId(network.getId())
        .withContainerId(redis.getContainerId())
        .exec();
  }

  /**
   * {@code CLIENT KILL TYPE normal} from a connection of its own (which Redis spares: SKIPME is yes
   * by default). Closes every other ordinary client, as an operator or a failover would.
   *
   * @return how many clients Redis closed
   */
  public static long killNormalClients(String host, int port) {
    try (Jedis jedis = RedisProbe.connect(host, port)) {
      Object killed = jedis.sendCommand(Protocol.Command.CLIENT, "KILL", "TYPE", "normal");
      log.debug("fault: CLIENT KILL TYPE normal closed {} clients", killed);
      return (Long) killed;
    }
  }

  public static long killNormalClients(GenericContainer<?> redis) {
    return killNormalClients(redis.getHost(), RedisContainers.port(redis));
  }

  /**
   * The soak tests' fault sequence: one random fault every 1.5 to 3 s until {@code deadlineNanos}
   * (CLIENT KILL of every client, a 1 s pause, or a restart on the container's fixed host port).
   * The random source decides, so a logged seed replays the sequence. Returns how many it injected.
   */
  public static int injectRandomly(GenericContainer<?> redis, int hostPort, Random random,
      long deadlineNanos) throws InterruptedException {
    int injected = 0;
    while (System.nanoTime() + TimeUnit.SECONDS.toNanos(3) < deadlineNanos && injected < 100) {
      Thread.sleep(1_500 + random.nextInt(1_500)); // the quiet time between faults
      switch (random.nextInt(3)) {
        case 0 -> killNormalClients("localhost", hostPort);
        case 1 -> {
          pause(redis);
          Thread.sleep(1_000); // the hang itself
          unpause(redis);
        }
        default -> {
          stop(redis);
          start(redis);
          RedisProbe.awaitAnswers("localhost", hostPort, Duration.ofSeconds(20));
        }
      }
      injected++;
    }
    return injected;
  }

  private static DockerClient docker(GenericContainer<?> redis) {
    return redis.getDockerClient();
  }

  private static String name(GenericContainer<?> redis) {
    String id = redis.getContainerId();
    return id == null ? "(not started)" : id.substring(0, Math.min(12, id.length()));
  }
}
