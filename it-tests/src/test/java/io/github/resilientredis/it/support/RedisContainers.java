package io.github.resilientredis.it.support;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * Redis containers for the integration tests. Start one per test class (in {@code @BeforeAll}, stop
 * it in {@code @AfterAll}), never one per test method: starting costs a second or more.
 *
 * <p>The image is a setting: system property or environment variable {@code REDIS_IMAGE}, default
 * {@value #DEFAULT_IMAGE} (pulled from Docker Hub on a developer's machine). CI, which cannot pull,
 * sets {@code local/redis:7}, an image made from the host's redis-server (see {@code .ci/}). The
 * container's command is only redis-server's arguments: the official image's entrypoint and the
 * local image's {@code ENTRYPOINT ["/usr/bin/redis-server"]} both accept that.
 */
public final class RedisContainers {

  public static final String DEFAULT_IMAGE = "redis:7.4-alpine";
  public static final int REDIS_PORT = 6379;

  /**
   * Always passed first. Without a config file redis-server starts in protected mode and answers
   * DENIED to anything not on its own loopback, and a published port is not loopback inside the
   * container (the official image's entrypoint adds this flag itself; the local image does not).
   * Persistence off: a restarted test server starts empty and fast.
   */
  private static final List<String> BASE_ARGS =
      List.of("--protected-mode", "no", "--save", "", "--appendonly", "no");

  private static final Logger log = LoggerFactory.getLogger(RedisContainers.class);

  private RedisContainers() {}

  /** The image to run: {@code REDIS_IMAGE} (property, then environment), else the default. */
  public static String image() {
    String image = System.getProperty("REDIS_IMAGE");
    if (image == null || image.isBlank()) {
      image = System.getenv("REDIS_IMAGE");
    }
    return image == null || image.isBlank() ? DEFAULT_IMAGE : image.trim();
  }

  /**
   * A redis-server container, not started, published on a random host port. Extra arguments are
   * redis-server's, e.g. {@code "--timeout", "1"}. It counts as started once Redis logs that it
   * accepts connections.
   */
  public static GenericContainer<?> redis(String... serverArgs) {
    List<String> command = new ArrayList<>(BASE_ARGS);
    command.addAll(List.of(serverArgs));
    log.info("Redis container: image {}, args {}", image(), command);
    return new GenericContainer<>(DockerImageName.parse(image()))
        .withExposedPorts(REDIS_PORT)
        .withCommand(command.toArray(String[]::new))
        // Both the official image (7.4: "... connections tcp") and Debian's 7.0 print this line.
        .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*\\n", 1)
            .withStartupTimeout(Duration.ofSeconds(60)));
  }

  /**
   * A redis-server container, not started, published on a fixed host port (pick one with
   * {@link FreePorts#pick()}). Needed by every test that stops and starts the container: a randomly
   * published port changes on each start, and the client under test would be left pointing at a
   * dead port. Also lets a test point a client at the port before the container exists.
   */
  public static GenericContainer<?> redisOnHostPort(int hostPort, String... serverArgs) {
    return redis(serverArgs).withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
        .withPortBindings(new PortBinding(Ports.Binding.bindPort(hostPort),
            ExposedPort.tcp(REDIS_PORT))));
  }

  /** {@code redis://host:port} of a started container, as the host sees it. */
  public static String uri(GenericContainer<?> redis) {
    return "redis://" + redis.getHost() + ":" + redis.getMappedPort(REDIS_PORT);
  }

  /** The host port Redis is published on. */
  public static int port(GenericContainer<?> redis) {
    return redis.getMappedPort(REDIS_PORT);
  }
}
