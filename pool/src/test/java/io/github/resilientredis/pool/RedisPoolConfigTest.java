package io.github.resilientredis.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisProtocol;

class RedisPoolConfigTest {

  @Test
  void defaultsAreTheDocumentedConstants() {
    RedisPoolConfig config = RedisPool.builder().buildConfig();
    assertEquals("localhost", config.host());
    assertEquals(6379, config.port());
    assertEquals(RedisPoolConfig.DEFAULT_MAX_TOTAL, config.maxTotal());
    assertEquals(RedisPoolConfig.DEFAULT_MIN_IDLE, config.minIdle());
    assertEquals(RedisPoolConfig.DEFAULT_BORROW_TIMEOUT, config.borrowTimeout());
    assertEquals(RedisPoolConfig.DEFAULT_READ_TIMEOUT, config.readTimeout());
    assertEquals(RedisProtocol.RESP2, config.protocol());
    assertTrue(config.heartbeatFromServerTimeout());
    assertTrue(config.retrySafeCommands());
    assertTrue(config.name().startsWith("redis-pool-"), config.name());
  }

  @Test
  void uriGivesServerCredentialsDatabaseAndTls() {
    RedisPoolConfig config = RedisPool.builder()
        .uri("rediss://app:s%40cret@cache.example:6380/3?clientName=orders").buildConfig();
    assertEquals("cache.example", config.host());
    assertEquals(6380, config.port());
    assertEquals("app", config.user());
    assertEquals("s@cret", config.password());
    assertEquals(3, config.database());
    assertEquals("orders", config.clientName());
    assertTrue(config.ssl());
    assertEquals("rediss://cache.example:6380/3", config.serverUri());
    assertFalse(config.toString().contains("cret"), "the password must never be printed");
  }

  @Test
  void uriWithPasswordOnlyAndDefaultPort() {
    RedisPoolConfig config = RedisPool.builder().uri("redis://:pw@127.0.0.1").buildConfig();
    assertNull(config.user());
    assertEquals("pw", config.password());
    assertEquals(6379, config.port());
    assertFalse(config.ssl());
  }

  @Test
  void ipv6Host() {
    RedisPoolConfig config = RedisPool.builder().uri("redis://[::1]:7000").buildConfig();
    assertEquals("::1", config.host());
    assertEquals("redis://[::1]:7000", config.serverUri());
  }

  @Test
  void wrongUriNamesTheSettingAndHidesThePassword() {
    IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class,
        () -> RedisPool.builder().uri("http://u:topsecret@host:1"));
    assertTrue(scheme.getMessage().startsWith("uri must start with redis://"), scheme.getMessage());
    assertFalse(scheme.getMessage().contains("topsecret"), scheme.getMessage());

    IllegalArgumentException db = assertThrows(IllegalArgumentException.class,
        () -> RedisPool.builder().uri("redis://host/abc"));
    assertTrue(db.getMessage().contains("'abc'"), db.getMessage());

    IllegalArgumentException param = assertThrows(IllegalArgumentException.class,
        () -> RedisPool.builder().uri("redis://host?timeout=3"));
    assertTrue(param.getMessage().contains("unknown parameter 'timeout'"), param.getMessage());
  }

  @Test
  void impossibleValuesNameTheSettingAndTheValue() {
    assertMessage("maxTotal must be between 1 and 100000: 0",
        () -> RedisPool.builder().maxTotal(0).buildConfig());
    assertMessage("minIdle must be between 0 and 4: 5",
        () -> RedisPool.builder().maxTotal(4).minIdle(5).buildConfig());
    assertMessage("readTimeout must be more than zero: PT0S",
        () -> RedisPool.builder().readTimeout(Duration.ZERO).buildConfig());
    assertMessage("borrowTimeout must be zero or more: PT-1S",
        () -> RedisPool.builder().borrowTimeout(Duration.ofSeconds(-1)).buildConfig());
    assertMessage("port must be between 1 and 65535: 70000",
        () -> RedisPool.builder().port(70000).buildConfig());
    assertMessage("heartbeatInterval must be at least PT0.1S: PT0.01S",
        () -> RedisPool.builder().heartbeatInterval(Duration.ofMillis(10)).buildConfig());
    assertMessage("reconnectBackoffMax must be at least reconnectBackoffMin (PT1S): PT0.5S",
        () -> RedisPool.builder().reconnectBackoffMin(Duration.ofSeconds(1))
            .reconnectBackoffMax(Duration.ofMillis(500)).buildConfig());
  }

  private static void assertMessage(String expected, Runnable action) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
    assertEquals(expected, e.getMessage());
  }
}
