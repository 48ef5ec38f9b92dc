package io.github.resilientredis.it.bridge;

import static io.github.resilientredis.it.bridge.BridgeJar.launch;
import static io.github.resilientredis.it.bridge.BridgeJar.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.FreePorts;
import io.github.resilientredis.it.support.RedisContainers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;

/**
 * The runnable jar as a user runs it: {@code java -jar http-bridge/target/redis-http-bridge.jar}.
 * Its startup line, its exit codes, and a graceful stop on SIGTERM.
 */
class BridgeProcessIT {

  private static final String PASSWORD = "pass-word-123";
  private static GenericContainer<?> redis;
  private static String redisUri;

  @BeforeAll
  static void start() {
    BridgeHttp.init();
    redis = RedisContainers.redis("--requirepass", PASSWORD);
    redis.start();
    redisUri = "redis://:" + PASSWORD + "@localhost:" + RedisContainers.port(redis);
  }

  @AfterAll
  static void stop() {
    redis.stop();
  }



  @Test
  void startsServesAndStopsGracefullyOnSigterm() throws Exception {
    int port = FreePorts.pick();
    Path log = Files.createTempFile("bridge", ".log");
    Process bridge = launch(log, "--port", String.valueOf(port), "--redis", redisUri);
    try {
      Process running = bridge;
      Await.until(Duration.ofSeconds(30), "the startup line", () -> read(log).contains(
          "listening on http://127.0.0.1:" + port) || !running.isAlive());
      String startup = read(log);
      assertTrue(bridge.isAlive(), startup);
      assertTrue(startup.contains("for redis://localhost:" + RedisContainers.port(redis)), startup);
      assertFalse(startup.contains(PASSWORD), "the password is never shown: " + startup);
      BridgeHttp http = new BridgeHttp("http://127.0.0.1:" + port, null);
      http.get("/health").expect(200);
      http.get("/SET/proc:k/v").expect(200);
      assertEquals("{\"GET\":\"v\"}", http.get("/GET/proc:k").expect(200).body());
    } finally {
      bridge.destroy(); // SIGTERM: the shutdown hook drains and closes
      assertTrue(bridge.waitFor(15, TimeUnit.SECONDS), "stopped within 15 s");
    }
    assertTrue(read(log).contains("stopped"), read(log));
  }

  @Test
  void aWrongPasswordIs503WithoutShowingIt() throws Exception {
    int port = FreePorts.pick();
    Path log = Files.createTempFile("bridge", ".log");
    Process bridge = launch(log, "--port", String.valueOf(port), "--redis",
        "redis://:not-the-password@localhost:" + RedisContainers.port(redis));
    try {
      Await.until(Duration.ofSeconds(30), "the startup line",
          () -> read(log).contains("listening on") || !bridge.isAlive());
      BridgeHttp http = new BridgeHttp("http://127.0.0.1:" + port, null);
      http.get("/PING").expectError(503, "Redis");
      assertFalse(read(log).contains("not-the-password"), read(log));
    } finally {
      bridge.destroy();
      bridge.waitFor(15, TimeUnit.SECONDS);
    }
  }

  @Test
  void badSettingsExitWith2AndNameTheSetting() throws Exception {
    Path log = Files.createTempFile("bridge", ".log");
    Process bad = launch(log, "--port", "seventy");
    assertTrue(bad.waitFor(30, TimeUnit.SECONDS));
    assertEquals(2, bad.exitValue());
    assertTrue(read(log).contains("--port: not a whole number: 'seventy'"), read(log));

    Process open = launch(log, "--host", "0.0.0.0");
    assertTrue(open.waitFor(30, TimeUnit.SECONDS));
    assertEquals(2, open.exitValue(), "listening beyond loopback without a token is refused");
    assertTrue(read(log).contains("set a token"), read(log));

    Process help = launch(log, "--help");
    assertTrue(help.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, help.exitValue());
    assertTrue(read(log).contains("BRIDGE_MAX_BODY"), read(log));
  }
}
