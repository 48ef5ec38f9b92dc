package io.github.resilientredis.it.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.HealthCheck;
import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.RedisContainers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The bridge's container image, built from {@code http-bridge/Dockerfile} and the runnable jar, run
 * next to a Redis container on a Docker network of their own, configured only by environment
 * variables, as an operator runs it: Docker's HEALTHCHECK turns healthy, requests with and without
 * the token, Redis restarted under it, and {@code docker stop} ending it gracefully.
 *
 * <p>The base image is a setting: {@code BRIDGE_BASE_IMAGE} (environment or system property),
 * default {@value #DEFAULT_BASE_IMAGE}, the Dockerfile's own default. Where no registry is
 * reachable, {@code .ci/build-jre-image} makes {@code local/jre} from a local JDK.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BridgeImageIT {

  static final String DEFAULT_BASE_IMAGE = "eclipse-temurin:25-jre";
  private static final Path BRIDGE_DIR = Path.of("..", "http-bridge");
  private static final String TOKEN = "image-token";
  private static final Logger log = LoggerFactory.getLogger(BridgeImageIT.class);

  private static Network network;
  private static GenericContainer<?> redis;
  private static GenericContainer<?> bridge;
  private static DockerClient docker;
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  static String baseImage() {
    String image = System.getenv("BRIDGE_BASE_IMAGE");
    if (image == null || image.isBlank()) {
      image = System.getProperty("BRIDGE_BASE_IMAGE");
    }
    return image == null || image.isBlank() ? DEFAULT_BASE_IMAGE : image.strip();
  }

  @BeforeAll
  static void buildAndStart() {
    Path jar = BRIDGE_DIR.resolve("target").resolve("redis-http-bridge.jar");
    assertTrue(Files.isRegularFile(jar), "the bridge jar is built before the integration tests");
    log.info("building the bridge image on {}", baseImage());
    // Exactly the build context the Dockerfile expects (http-bridge/ with its .dockerignore):
    // the Dockerfile and target/redis-http-bridge.jar.
    ImageFromDockerfile image = new ImageFromDockerfile("local/redis-http-bridge:it", false)
        .withFileFromPath("Dockerfile", BRIDGE_DIR.resolve("Dockerfile"))
        .withFileFromPath("target/redis-http-bridge.jar", jar)
        .withBuildArg("JRE_IMAGE", baseImage());
    network = Network.newNetwork();
    redis = RedisContainers.redis().withNetwork(network).withNetworkAliases("redis");
    redis.start();
    docker = DockerClientFactory.instance().client();
    bridge = new GenericContainer<>(image)
        .withNetwork(network)
        .withEnv("BRIDGE_TOKEN", TOKEN)
        .withExposedPorts(7379)
        // The image's own health check command, probed every second instead of every 15 s.
        .withCreateContainerCmdModifier(cmd -> cmd.withHealthcheck(new HealthCheck()
            .withInterval(TimeUnit.SECONDS.toNanos(1))
            .withStartPeriod(TimeUnit.SECONDS.toNanos(60))))
        .waitingFor(Wait.forHealthcheck().withStartupTimeout(Duration.ofSeconds(120)));
    bridge.start();
  }

  @AfterAll
  static void stop() {
    if (bridge != null) {
      bridge.stop();
    }
    if (redis != null) {
      redis.stop();
    }
    if (network != null) {
      network.close();
    }
  }

  private static String url(String path) {
    return "http://" + bridge.getHost() + ":" + bridge.getMappedPort(7379) + path;
  }

  private static HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path)))
        .timeout(Duration.ofSeconds(10));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), BodyHandlers.ofString());
  }

  @Test
  @Order(1)
  void servesAsAnOperatorRunsIt() throws Exception {
    InspectContainerResponse state = docker.inspectContainerCmd(bridge.getContainerId()).exec();
    assertEquals("healthy", state.getState().getHealth().getStatus());
    assertEquals("10001:10001", docker.inspectImageCmd(state.getImageId()).exec().getConfig()
        .getUser(), "runs as a user without privileges");
    String logs = bridge.getLogs();
    assertTrue(logs.contains("listening on http://") && logs.contains("for redis://redis:6379"),
        logs);
    assertTrue(logs.contains("bearer tokens and data travel in clear"), logs);

    // What `curl -H "Authorization: Bearer $T" http://host:7379/SET/...` does.
    assertEquals("{\"SET\":[true,\"OK\"]}", get("/SET/image:k/hello", TOKEN).body());
    assertEquals("{\"GET\":\"hello\"}", get("/GET/image:k", TOKEN).body());
    HttpResponse<String> wrong = get("/GET/image:k", "not-the-token");
    assertEquals(401, wrong.statusCode(), wrong.body());
    assertTrue(wrong.body().startsWith("{\"error\":"), wrong.body());
    assertEquals(401, get("/GET/image:k", null).statusCode());
  }

  @Test
  @Order(2)
  void servesAgainAfterRedisRestartsUnderIt() throws Exception {
    assertEquals(200, get("/SET/image:restart/1", TOKEN).statusCode());
    docker.stopContainerCmd(redis.getContainerId()).withTimeout(5).exec();
    HttpResponse<String> down = get("/GET/image:restart", TOKEN);
    assertEquals(503, down.statusCode(), down.body());
    assertTrue(down.body().startsWith("{\"error\":"), down.body());
    docker.startContainerCmd(redis.getContainerId()).exec();
    // Persistence is off: the restarted Redis is empty, and the bridge serves it without a restart.
    // Bounded by the JVM's DNS cache (30 s) should the container come back at another address.
    Await.until(Duration.ofSeconds(60), "the bridge serving again after Redis restarted", () -> {
      try {
        return get("/SET/image:restart/2", TOKEN).statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });
    assertEquals("{\"GET\":\"2\"}", get("/GET/image:restart", TOKEN).body());
  }

  /** Stops the container: runs last. */
  @Test
  @Order(3)
  void dockerStopEndsItGracefully() throws Exception {
    assertEquals(200, get("/health", null).statusCode());
    long start = System.nanoTime();
    docker.stopContainerCmd(bridge.getContainerId()).withTimeout(20).exec();
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    InspectContainerResponse.ContainerState state = docker.inspectContainerCmd(
        bridge.getContainerId()).exec().getState();
    // 143 = 128 + SIGTERM: the JVM ran its shutdown hook and exited on the signal; a SIGKILL
    // after the stop timeout would be 137.
    assertEquals(143L, state.getExitCodeLong(), "exit code after docker stop");
    assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "stopped in " + took);
    String logs = bridge.getLogs();
    assertTrue(logs.contains("redis-http-bridge on port 7379 stopped"), logs);
  }
}
