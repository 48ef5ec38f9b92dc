package io.github.resilientredis.it.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.AclUsers;
import io.github.resilientredis.it.support.RedisContainers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;

/**
 * The real {@code @upstash/redis} npm client against the real bridge jar: runs
 * {@code http-bridge/conformance/run.sh} (Node's test runner) over a Redis container. Needs Node.js
 * 20+ and npm on the machine (the suite's dependencies come from the npm registry, pinned by
 * package-lock.json). Twice: with a plain token (the bridge's own Redis user), and with a token
 * bound to a Redis ACL user that has only the permissions README's "Security" section gives a
 * bridge user, which shows that line is enough for the client.
 */
class UpstashClientConformanceIT {

  private static final Path CONFORMANCE = Path.of("..", "http-bridge", "conformance");
  private static final Path JAR = Path.of("..", "http-bridge", "target", "redis-http-bridge.jar");
  private static final Pattern SUMMARY = Pattern.compile("conformance: (\\d+) passed, (\\d+) failed");
  private static GenericContainer<?> redis;

  @BeforeAll
  static void startRedis() {
    redis = RedisContainers.redis();
    redis.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.stop();
  }

  @Test
  void upstashClientWorksUnchangedAgainstTheBridge() throws Exception {
    String output = runSuite(Map.of());
    assertTrue(passed(output) >= 80, "the whole suite ran: " + passed(output) + " passed");
  }

  @Test
  void upstashClientWorksThroughATokenBoundToARestrictedRedisUser() throws Exception {
    AclUsers.create(redis, "conformance", "conformance-pw", AclUsers.BRIDGE_USER_RULES);
    String output = runSuite(Map.of("CONFORMANCE_TOKEN_USER", "conformance:conformance-pw"));
    assertTrue(passed(output) >= 80, "the whole suite ran: " + passed(output) + " passed");
    assertTrue(output.contains("the token runs as Redis user conformance"), output);
  }

  /**
   * The same client over {@code https://}: the script makes a CA and an EC server certificate
   * (openssl), starts the bridge with --tls-cert/--tls-key and passes the CA to Node through
   * NODE_EXTRA_CA_CERTS. A part of the suite: strings, collections, errors and auth, each with
   * and without the client's auto-pipelining. Not pipelines.test.mjs: its 300 simultaneous new
   * connections are a concurrency test, and 300 TLS handshakes on the JDK's HTTPS server take
   * longer than its 15 s limit on a busy 2-core machine (about 7 s over plain HTTP there).
   */
  @Test
  void upstashClientWorksOverHttps() throws Exception {
    String output = runSuite(Map.of("CONFORMANCE_TLS", "ec", "CONFORMANCE_TESTS",
        "test/strings.test.mjs test/collections.test.mjs test/errors.test.mjs"));
    assertTrue(output.contains("conformance: client over https://"), output);
    assertTrue(passed(output) >= 30, "the https part ran: " + passed(output) + " passed");
  }

  /**
   * Runs run.sh with these extra environment variables (CONFORMANCE_TOKEN_USER USER:PASSWORD binds
   * the client's token to that Redis user; CONFORMANCE_TLS serves HTTPS); fails unless it exits 0
   * with no failed test. Returns its output.
   */
  private static String runSuite(Map<String, String> env) throws Exception {
    assertTrue(Files.isRegularFile(JAR), "the bridge jar is built before the integration tests: " + JAR);
    Path log = Files.createTempFile("conformance", ".log");
    ProcessBuilder run = new ProcessBuilder("bash", CONFORMANCE.resolve("run.sh").toString(),
        JAR.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    run.environment().put("CONFORMANCE_REDIS_URL", RedisContainers.uri(redis));
    run.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    run.environment().putAll(env);
    Process process = run.start();
    try {
      assertTrue(process.waitFor(8, TimeUnit.MINUTES), "the conformance suite took over 8 minutes");
      String output = Files.readString(log, StandardCharsets.UTF_8);
      Matcher summary = SUMMARY.matcher(output);
      assertTrue(summary.find(), () -> "no summary line in:\n" + output);
      int failed = Integer.parseInt(summary.group(2));
      assertEquals(0, process.exitValue(), () -> "conformance suite failed:\n" + output);
      assertEquals(0, failed, output);
      return output;
    } finally {
      process.destroyForcibly();
      deleteQuietly(log);
    }
  }

  private static int passed(String output) {
    Matcher summary = SUMMARY.matcher(output);
    assertTrue(summary.find(), output);
    return Integer.parseInt(summary.group(1));
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // A temp file; the OS cleans it up.
    }
  }

}
