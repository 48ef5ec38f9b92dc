package io.github.resilientredis.bridge;

import static io.github.resilientredis.bridge.TestConfigs.config;
import static io.github.resilientredis.bridge.TestConfigs.error;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.pool.RedisPool;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class BridgeConfigTest {

  @Test
  void defaultsServeLocalRedisOnWebdisPort() {
    BridgeConfig c = config(s -> { });
    assertEquals("redis://localhost:6379", c.redisDisplay);
    assertEquals("127.0.0.1", c.host);
    assertEquals(7379, c.port);
    assertFalse(c.authRequired());
    assertEquals(PathStyle.WEBDIS, c.pathStyle);
  }

  @Test
  void aWatchedHeldRequestKeepsAliveWithinTheServersLimitAndEveryThirtySecondsForProxies() {
    assertEquals(Duration.ofSeconds(10), config(s -> { }).watchedKeepalive(true));
    assertEquals(Duration.ofSeconds(30), config(s -> { }).watchedKeepalive(false));
    assertEquals(Duration.ofSeconds(2),
        config(s -> s.requestReadTimeout = Duration.ofSeconds(4)).watchedKeepalive(true));
    assertTrue(error(s -> s.requestReadTimeout = Duration.ZERO)
        .startsWith("request-read-timeout must be more than zero"));
  }

  @Test
  void rulesAreWordedAsThePoolWordsThem() {
    assertEquals(poolError(b -> b.connectTimeout(Duration.ZERO)).replace("connectTimeout", "x"),
        error(s -> s.connectTimeout = Duration.ZERO).replace("connect-timeout", "x"));
    Duration negative = Duration.ofSeconds(-1);
    assertEquals(poolError(b -> b.borrowTimeout(negative)).replace("borrowTimeout", "x"),
        error(s -> s.borrowTimeout = negative).replace("borrow-timeout", "x"));
    assertEquals(poolError(b -> b.maxTotal(0)).replace("maxTotal", "x"),
        error(s -> s.poolSize = 0).replace("pool-size", "x"));
  }

  private static String poolError(Consumer<RedisPool.Builder> change) {
    RedisPool.Builder builder = RedisPool.builder();
    change.accept(builder);
    return assertThrows(IllegalArgumentException.class, builder::buildConfig).getMessage();
  }

  @Test
  void poolSizeFollowsMaxConcurrentUnlessSet() {
    assertEquals(32, config(s -> { }).poolSize);
    assertEquals(200, config(s -> s.maxConcurrent = 200).poolSize);
    assertEquals(8, config(s -> {
      s.maxConcurrent = 200;
      s.poolSize = 8;
    }).poolSize);
  }

  @Test
  void neverShowsThePassword() {
    BridgeConfig c = config(s -> s.redisUri = "redis://user:s3cret@example.com:6380/2");
    assertFalse(c.redisDisplay.contains("s3cret"), c.redisDisplay);
    assertFalse(c.summary().contains("s3cret"));
  }

  @Test
  void aClusterUriIsShownWithoutThePassword() {
    BridgeConfig c = config(s -> s.redisUri = "redis-cluster://:s3cret@h1:7000,h2:7001");
    assertEquals("redis-cluster://h1:7000,h2:7001", c.redisDisplay);
    assertEquals("redis: uri must be host:port: 'h1'",
        error(s -> s.redisUri = "redis-cluster://h1"));
  }

  @Test
  void beyondLoopbackNeedsAToken() {
    assertTrue(error(s -> s.host = "0.0.0.0").contains("set a token"));
    BridgeConfig c = config(s -> {
      s.host = "0.0.0.0";
      s.tokens = List.of("t1", "t2");
    });
    assertTrue(c.authRequired());
    assertTrue(c.summary().contains("2 tokens"));
    assertTrue(config(s -> s.host = "localhost").host.equals("localhost"));
  }

  @Test
  void impossibleValuesNameTheSetting() {
    assertEquals("port must be between 0 and 65535: -1", error(s -> s.port = -1));
    assertEquals("pool-size must be between 1 and 100000: 0", error(s -> s.poolSize = 0));
    assertEquals("pipeline-lanes must be between 0 and 1024: -1", error(s -> s.pipelineLanes = -1));
    assertTrue(error(s -> s.commandTimeout = Duration.ZERO).startsWith("command-timeout"));
    assertTrue(error(s -> s.maxBlock = Duration.ofSeconds(5)).startsWith(
        "max-block must be at least 250ms shorter than command-timeout (5s): 5s"));
    assertTrue(error(s -> s.tokens = List.of("a b")).startsWith("token: the token must be printable"));
    assertTrue(error(s -> s.allow = List.of("GET", "bad name")).startsWith("allow takes"));
    assertTrue(error(s -> s.redisUri = "localhost:6379").startsWith("redis: "));
  }

  @Test
  void softLimitsAreCorrected() {
    BridgeConfig c = config(s -> {
      s.poolSize = 2;
      s.maxBlocking = 4;
      s.maxConcurrent = 8;
      s.maxSubscribers = 16;
      s.httpServer = "jdk"; // its pool of platform threads: held requests get half at most
      s.threads = "platform";
    });
    assertEquals(1, c.maxBlocking);
    assertEquals(4, c.maxSubscribers);
  }

  @Test
  void commandListsAreUpperCased() {
    BridgeConfig c = config(s -> {
      s.allow = List.of("get", "config|get");
      s.allowDangerous = List.of("flushdb");
    });
    assertEquals(Set.of("GET", "CONFIG|GET"), c.allow);
    assertEquals(Set.of("FLUSHDB"), c.allowDangerous);
    assertFalse(c.allowAllDangerous);
    assertTrue(config(s -> s.allowDangerous = List.of("all")).allowAllDangerous);
  }
}
