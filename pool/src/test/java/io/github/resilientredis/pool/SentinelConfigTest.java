package io.github.resilientredis.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SentinelConfigTest {

  @Test
  void builderFormNamesTheMasterAndTheSentinels() {
    RedisPoolConfig config = RedisPool.builder().sentinel("mymaster", "s1:26380", "s2")
        .sentinelPassword("sp").password("mp").buildConfig();
    SentinelConfig sentinel = config.sentinel();
    assertEquals("mymaster", sentinel.masterName());
    assertEquals(List.of("s1:26380", "s2"), sentinel.sentinels());
    assertEquals(26379, SentinelConfig.port("s2"));
    assertEquals("sp", sentinel.password());
    assertEquals("mp", config.password());
    assertFalse(sentinel.ssl());
    assertEquals(SentinelConfig.DEFAULT_POLL_INTERVAL, sentinel.pollInterval());
    assertEquals("redis-sentinel://s1:26380,s2/mymaster", config.serverUri());
    assertNull(RedisPool.builder().buildConfig().sentinel(), "no sentinel unless asked");
  }

  @Test
  void uriFormTakesSentinelsMasterDatabaseAndBothPasswords() {
    RedisPoolConfig config = RedisPool.builder().uri("rediss-sentinel://app:m%40p@h1:26379,"
        + "[::1]:26380,h3/mymaster/2?sentinelPassword=s%26p&sentinelUser=watch&sentinelSsl=false"
        + "&sentinelPollInterval=500&clientName=orders").buildConfig();
    SentinelConfig sentinel = config.sentinel();
    assertEquals("mymaster", sentinel.masterName());
    assertEquals(List.of("h1:26379", "[::1]:26380", "h3"), sentinel.sentinels());
    assertEquals("::1", SentinelConfig.host("[::1]:26380"));
    assertEquals(26380, SentinelConfig.port("[::1]:26380"));
    assertEquals("app", config.user());
    assertEquals("m@p", config.password());
    assertEquals("s&p", sentinel.password());
    assertEquals("watch", sentinel.user());
    assertTrue(config.ssl(), "TLS to the master");
    assertFalse(sentinel.ssl(), "but not to the sentinels");
    assertEquals(Duration.ofMillis(500), sentinel.pollInterval());
    assertEquals(2, config.database());
    assertEquals("orders", config.clientName());
    assertEquals("rediss-sentinel://h1:26379,[::1]:26380,h3/mymaster/2", config.serverUri());
    assertTrue(RedisPool.builder().uri("rediss-sentinel://h/m").buildConfig().sentinel().ssl(),
        "TLS to the sentinels follows the master's by default");
  }

  @Test
  void badSentinelSettingsNameTheSettingAndTheValueButNeverThePassword() {
    IllegalArgumentException noMaster = assertThrows(IllegalArgumentException.class,
        () -> RedisPool.builder().uri("redis-sentinel://:secret@h1:26379").buildConfig());
    assertTrue(noMaster.getMessage().contains("master's name"), noMaster.getMessage());
    assertFalse(noMaster.getMessage().contains("secret"), noMaster.getMessage());
    IllegalArgumentException badPort = assertThrows(IllegalArgumentException.class,
        () -> RedisPool.builder().uri("redis-sentinel://h1:99999/m").buildConfig());
    assertTrue(badPort.getMessage().contains("'h1:99999'"), badPort.getMessage());
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> RedisPool.builder().uri("redis-sentinel://h1/m?sentinelPassword=pw&nope=1")
            .buildConfig());
    assertTrue(unknown.getMessage().contains("'nope'"), unknown.getMessage());
    assertFalse(unknown.getMessage().contains("pw&"), unknown.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> RedisPool.builder().sentinel("m").buildConfig(), "no sentinels");
    assertThrows(IllegalArgumentException.class,
        () -> RedisPool.builder().sentinel("", "h1").buildConfig(), "no master name");
    IllegalArgumentException poll = assertThrows(IllegalArgumentException.class,
        () -> RedisPool.builder().sentinel("m", "h1").sentinelPollInterval(Duration.ofMillis(5))
            .buildConfig());
    assertTrue(poll.getMessage().contains("sentinelPollInterval"), poll.getMessage());
  }
}
