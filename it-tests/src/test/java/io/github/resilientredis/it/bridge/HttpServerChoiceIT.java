package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.FreePorts;
import io.github.resilientredis.it.support.RedisContainers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;

/**
 * Which HTTP server serves the bridge: the fast path (the bridge's epoll server on virtual
 * threads) on Java 22+, robaho's server on virtual threads on Java 21 and by name, the JDK's
 * built-in server on Java 17 from the same jar, the startup line naming server,
 * threads and Java, and {@code max-concurrent} / {@code max-queued} still bounding the requests
 * when a thread per request runs them.
 */
class HttpServerChoiceIT {

  private static final Path JAR = Path.of("..", "http-bridge", "target", "redis-http-bridge.jar");
  /** The JDK that runs Maven (17 on this project's machines); set by the it-tests pom. */
  private static final String BUILD_JAVA = System.getProperty("bridge.it.build.java", "java");

  private static GenericContainer<?> redis;

  @BeforeAll
  static void start() {
    BridgeHttp.init();
    assertTrue(Files.isRegularFile(JAR), "build http-bridge first: " + JAR.toAbsolutePath());
    redis = RedisContainers.redis();
    redis.start();
  }

  @AfterAll
  static void stop() {
    redis.stop();
  }

  @Test
  void theTestJdkRunsTheFastPathWhenItHasVirtualThreads() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    int feature = Runtime.version().feature();
    String startup = runAndServe(java);
    if (feature >= 21) {
      assertTrue(startup.contains(feature >= 22
          ? "HTTP server: the bridge's epoll server on virtual threads, Java " + feature
          : "HTTP server: robaho's httpserver on virtual threads, Java " + feature), startup);
      // the jar's manifest opens what held requests' direct sends need (Java 22+, Linux)
      assertTrue(startup.contains(feature >= 22
          ? "held requests: messages sent to held requests' sockets directly"
          : "held requests: messages written by each held request's thread (Java " + feature),
          startup);
    } else {
      assertTrue(startup.contains("HTTP server: the JDK's built-in HTTP server on 32 platform"
          + " threads, Java " + feature), startup);
    }
  }

  @Test
  void java17FallsBackToTheBuiltInServerAndSaysSo() throws Exception {
    int feature = javaFeature(BUILD_JAVA);
    assumeTrue(feature > 0 && feature < 21, "needs a Java older than 21 to fall back; the build's"
        + " is " + BUILD_JAVA + " (" + feature + ")");
    String startup = runAndServe(BUILD_JAVA);
    assertTrue(startup.contains("HTTP server: the JDK's built-in HTTP server on 32 platform"
        + " threads, Java " + feature + "."), startup);
    assertTrue(startup.contains("; the fast path (the bridge's epoll server on virtual threads)"
        + " needs Java 22+ on Linux, robaho's httpserver needs Java 21+"), startup);

    // Asked for by name, the fast path's server is refused with the setting named, not a crash.
    Path log = Files.createTempFile("bridge-choice", ".log");
    Process refused = launch(BUILD_JAVA, log, "--port", String.valueOf(FreePorts.pick()),
        "--redis", RedisContainers.uri(redis), "--http-server", "robaho");
    assertTrue(refused.waitFor(30, TimeUnit.SECONDS), "a refused setting must exit");
    assertEquals(2, refused.exitValue(), read(log));
    assertTrue(read(log).contains("http-server cannot load robaho.net.httpserver."
        + "DefaultHttpServerProvider (its classes need a newer Java than " + feature + "): robaho"
        + " (set by --http-server or BRIDGE_HTTP_SERVER)"), read(log));
  }

  @Test
  void theOtherServersServeBesideTheFastPathInOneJvm() {
    assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21+");
    try (RedisHttpBridge jdk = RedisHttpBridge.builder().redis(RedisContainers.uri(redis)).port(0)
        .httpServer("jdk").threads("virtual").start();
        RedisHttpBridge robaho = RedisHttpBridge.builder().redis(RedisContainers.uri(redis))
            .port(0).httpServer("robaho").start();
        RedisHttpBridge fast = RedisHttpBridge.builder().redis(RedisContainers.uri(redis))
            .port(0).start()) {
      assertTrue(jdk.describe().contains("HTTP server: the JDK's built-in HTTP server on virtual"
          + " threads"), jdk.describe());
      assertTrue(robaho.describe().contains("HTTP server: robaho's httpserver on virtual"
          + " threads"), robaho.describe());
      assertTrue(fast.describe().contains(Runtime.version().feature() >= 22
          ? "HTTP server: the bridge's epoll server on virtual threads"
          : "HTTP server: robaho's httpserver on virtual threads"), fast.describe());
      new BridgeHttp(jdk.url(), null).get("/SET/choice:jdk/1").expect(200);
      new BridgeHttp(robaho.url(), null).get("/INCR/choice:jdk").expect(200);
      assertEquals("{\"GET\":\"2\"}", new BridgeHttp(fast.url(), null).get("/GET/choice:jdk")
          .expect(200).body());
    }
  }

  /**
   * Four requests that each hold Redis for a second, against max-concurrent 2 and max-queued 1:
   * two run, one waits its turn and then runs, the fourth is refused at once with 503 and a JSON
   * error.
   */
  @Test
  void maxConcurrentAndMaxQueuedBoundAThreadPerRequestServer() throws Exception {
    assumeTrue(Runtime.version().feature() >= 21, "a thread per request needs virtual threads");
    try (RedisHttpBridge bridge = RedisHttpBridge.builder().redis(RedisContainers.uri(redis))
        .port(0).maxConcurrent(2).maxQueued(1).poolSize(8).maxBlocking(4).start()) {
      BridgeHttp http = new BridgeHttp(bridge.url(), null);
      ExecutorService clients = Executors.newFixedThreadPool(4);
      try {
        List<Future<BridgeHttp.Reply>> replies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          replies.add(clients.submit(() -> http.get("/BLPOP/choice:empty/1")));
        }
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (Future<BridgeHttp.Reply> f : replies) {
          BridgeHttp.Reply reply = f.get(30, TimeUnit.SECONDS);
          statuses.merge(reply.status(), 1, Integer::sum);
          if (reply.status() == 503) {
            reply.expectError(503, "max-concurrent and max-queued");
            assertEquals("close", reply.header("Connection"), reply::toString);
          }
        }
        assertEquals(Map.of(200, 3, 503, 1), statuses);
      } finally {
        clients.shutdownNow();
      }
      assertTrue(http.get("/metrics").expect(200).body()
          .contains("bridge_rejected_connections_total 1"));
      http.get("/PING").expect(200);
    }
  }

  /** Starts the jar on {@code java}, checks that it serves, stops it; returns its output. */
  private static String runAndServe(String java) throws Exception {
    int port = FreePorts.pick();
    Path log = Files.createTempFile("bridge-choice", ".log");
    Process bridge = launch(java, log, "--port", String.valueOf(port), "--redis",
        RedisContainers.uri(redis));
    try {
      Await.until(Duration.ofSeconds(30), "the startup line",
          () -> read(log).contains("listening on") || !bridge.isAlive());
      assertTrue(bridge.isAlive(), read(log));
      BridgeHttp http = new BridgeHttp("http://127.0.0.1:" + port, null);
      http.get("/SET/choice:k/v").expect(200);
      assertEquals("{\"GET\":\"v\"}", http.get("/GET/choice:k").expect(200).body());
      return read(log);
    } finally {
      bridge.destroy();
      bridge.waitFor(15, TimeUnit.SECONDS);
    }
  }

  private static Process launch(String java, Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(java, "-jar", JAR.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().remove("BRIDGE_HTTP_SERVER");
    builder.environment().remove("BRIDGE_THREADS");
    return builder.start();
  }

  /** The major version in {@code <java.home>/release}, 0 when unknown. */
  private static int javaFeature(String java) {
    Path release = Path.of(java).toAbsolutePath().getParent().getParent().resolve("release");
    Matcher m = Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(read(release));
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
