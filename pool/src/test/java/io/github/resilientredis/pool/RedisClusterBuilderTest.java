package io.github.resilientredis.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Settings that are wrong fail before any connection is tried, naming the setting and value. */
class RedisClusterBuilderTest {

  @Test
  void aUriMustBeAClusterUriNamingNodes() {
    assertMessage("uri must start with redis-cluster:// or rediss-cluster://: 'redis://h:1'",
        () -> RedisCluster.create("redis://h:1"));
    assertMessage("uri names no node: 'redis-cluster://'", () -> RedisCluster.create("redis-cluster://"));
    assertMessage("uri must be host:port: 'h1'", () -> RedisCluster.create("redis-cluster://h1"));
    assertMessage("uri port must be a number from 1 to 65535: 'h:99999'",
        () -> RedisCluster.create("redis-cluster://h:99999"));
  }

  @Test
  void passwordsAreNotPrinted() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RedisCluster.create("redis://u:secret@h:1"));
    assertEquals(false, e.getMessage().contains("secret"), e.getMessage());
  }

  @Test
  void settingsAreChecked() {
    assertMessage("nodes must name at least one host:port: []", () -> RedisCluster.builder().build());
    assertMessage("failoverTimeout must be zero or more: PT-1S", () -> RedisCluster.builder()
        .nodes("h:1").failoverTimeout(Duration.ofSeconds(-1)).build());
    assertMessage("topologyRefreshInterval must be at least 100 ms: PT0.01S", () -> RedisCluster
        .builder().nodes("h:1").topologyRefreshInterval(Duration.ofMillis(10)).build());
    assertMessage("database must be 0 on a cluster (it has only one): 2", () -> RedisCluster
        .builder().nodes("h:1").pool(p -> p.database(2)).build());
    assertMessage("maxTotal must be between 1 and 100000: 0", () -> RedisCluster.builder()
        .nodes("h:1").pool(p -> p.maxTotal(0)).build());
  }

  private static void assertMessage(String expected, Runnable action) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
    assertEquals(expected, e.getMessage());
  }
}
