package io.github.resilientredis.it.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.it.support.AclUsers;
import io.github.resilientredis.it.support.RedisContainers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    runSuite(null);
  }

  @Test
  void upstashClientWorksThroughATokenBoundToARestrictedRedisUser() throws Exception {
    AclUsers.create(redis, "conformance", "conformance-pw", AclUsers.BRIDGE_USER_RULES);
    runSuite("conformance:conformance-pw");
  }

  /** Runs run.sh; {@code tokenUser} USER:PASSWORD binds the client's token to that Redis user. */
  private static void runSuite(String tokenUser) throws Exception {
    assertTrue(Files.isRegularFile(JAR), "the bridge jar is built before the integration tests: " + JAR);
    Path log = Files.createTempFile("conformance", ".log");
    ProcessBuilder run = new ProcessBuilder("bash", CONFORMANCE.resolve("run.sh").toString(),
        JAR.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    run.environment().put("CONFORMANCE_REDIS_URL", RedisContainers.uri(redis));
    run.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (tokenUser != null) {
      run.environment().put("CONFORMANCE_TOKEN_USER", tokenUser);
    }
    Process process = run.start();
    try {
      assertTrue(process.waitFor(8, TimeUnit.MINUTES), "the conformance suite took over 8 minutes");
      String output = Files.readString(log, StandardCharsets.UTF_8);
      Matcher summary = SUMMARY.matcher(output);
      assertTrue(summary.find(), () -> "no summary line in:\n" + output);
      int passed = Integer.parseInt(summary.group(1));
      int failed = Integer.parseInt(summary.group(2));
      assertEquals(0, process.exitValue(), () -> "conformance suite failed:\n" + output);
      assertEquals(0, failed, output);
      assertTrue(passed >= 80, "the whole suite ran: " + passed + " passed");
      if (tokenUser != null) {
        String user = tokenUser.substring(0, tokenUser.indexOf(':'));
        assertTrue(output.contains("the token runs as Redis user " + user), output);
      }
    } finally {
      process.destroyForcibly();
      deleteQuietly(log);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // A temp file; the OS cleans it up.
    }
  }

}
