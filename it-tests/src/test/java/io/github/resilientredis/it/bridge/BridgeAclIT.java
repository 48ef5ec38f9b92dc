package io.github.resilientredis.it.bridge;

import static io.github.resilientredis.it.bridge.BridgeJar.launch;
import static io.github.resilientredis.it.bridge.BridgeJar.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.support.AclUsers;
import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.FreePorts;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
import redis.clients.jedis.Jedis;

/**
 * Tokens bound to Redis ACL users: Redis itself refuses what the token's user may not do, in
 * scripts and functions too, so the bridge's dangerous list is no longer the only guard.
 */
class BridgeAclIT {

  private static final String FLUSHALL_SCRIPT = "return redis.call('FLUSHALL')";
  private static final String LIBRARY = "#!lua name=acltest\n"
      + "redis.register_function('wipe', function(keys, args) return redis.call('FLUSHDB') end)\n"
      + "redis.register_function{function_name='readk', flags={'no-writes'},"
      + " callback=function(keys, args) return redis.call('GET', keys[1]) end}\n";
  private static GenericContainer<?> redis;
  private static RedisHttpBridge bridge;
  private static BridgeHttp app;
  private static BridgeHttp reader;
  private static BridgeHttp admin;
  private static BridgeHttp ownReadOnly;

  @BeforeAll
  static void start() {
    BridgeHttp.init();
    redis = RedisContainers.redis();
    redis.start();
    AclUsers.create(redis, "app", "app-pw", AclUsers.BRIDGE_USER_RULES);
    AclUsers.create(redis, "reader", "reader-pw", "~* &* +@all -@dangerous");
    try (Jedis jedis = RedisProbe.connect(redis)) {
      jedis.functionLoad(LIBRARY);
    }
    bridge = RedisHttpBridge.builder().redis(RedisContainers.uri(redis)).port(0).poolSize(4)
        .tokens("app-tok=app:app-pw", "reader-tok=reader:reader-pw:ro", "admin-tok", "own-ro=ro")
        .start();
    app = new BridgeHttp(bridge.url(), "app-tok");
    reader = new BridgeHttp(bridge.url(), "reader-tok");
    admin = new BridgeHttp(bridge.url(), "admin-tok");
    ownReadOnly = new BridgeHttp(bridge.url(), "own-ro");
  }

  @AfterAll
  static void stop() {
    if (bridge != null) {
      bridge.close();
    }
    redis.stop();
  }

  private static long dbSize() {
    try (Jedis jedis = RedisProbe.connect(redis)) {
      return jedis.dbSize();
    }
  }

  private static String json(String... words) {
    JsonArray array = new JsonArray();
    for (String w : words) {
      array.add(w);
    }
    return array.toString();
  }

  @Test
  void scriptsAndFunctionsCannotGetRoundTheTokensRedisUser() {
    admin.post("/", json("SET", "acl:keep", "1")).expect(200);
    long before = dbSize();
    app.post("/", json("EVAL", FLUSHALL_SCRIPT, "0")).expectError(403, "NOPERM");
    app.get("/EVAL/return%20redis.call('FLUSHDB')/0").expectError(403, "NOPERM");
    app.post("/", json("FCALL", "wipe", "0")).expectError(403, "NOPERM");
    app.post("/", json("FUNCTION", "LOAD", LIBRARY)).expectError(403, "dangerous");
    app.post("/", json("SCRIPT", "FLUSH")).expectError(403, "dangerous");

    JsonArray pipeline = app.post("/pipeline", "[" + json("SET", "acl:p", "1") + ","
        + json("EVAL", FLUSHALL_SCRIPT, "0") + "]").expect(200).json().getAsJsonArray();
    assertEquals("OK", pipeline.get(0).getAsJsonObject().get("result").getAsString());
    assertTrue(pipeline.get(1).getAsJsonObject().get("error").getAsString().startsWith("NOPERM"),
        pipeline.toString());
    // SORT passes the bridge's lists, but the user's ACL refuses it when MULTI queues it.
    app.post("/multi-exec", "[" + json("SET", "acl:m", "1") + "," + json("SORT", "acl:l") + "]")
        .expectError(403, "NOPERM");
    JsonArray tx = app.post("/multi-exec", "[" + json("EVAL", FLUSHALL_SCRIPT, "0") + "]")
        .expect(200).json().getAsJsonArray();
    assertTrue(tx.get(0).getAsJsonObject().get("error").getAsString().startsWith("NOPERM"),
        tx.toString());

    assertEquals("1", RedisProbe.get(redis, "acl:keep"), "the data stays");
    assertEquals(null, RedisProbe.get(redis, "acl:m"), "a refused transaction runs nothing");
    assertTrue(dbSize() >= before, "nothing was flushed: " + dbSize() + " < " + before);
  }

  @Test
  void theTokensOtherCommandsRunAsItsUserOnEveryPath() throws Exception {
    app.post("/", json("SET", "acl:a", "1")).expect(200);
    assertEquals("{\"GET\":\"1\"}", app.get("/GET/acl:a").expect(200).body());
    assertEquals(JsonParser.parseString("[{\"result\":2},{\"result\":\"2\"}]"),
        app.post("/pipeline", "[" + json("INCR", "acl:a") + "," + json("GET", "acl:a") + "]")
            .expect(200).json());
    assertEquals(JsonParser.parseString("[{\"result\":3},{\"result\":\"3\"}]"),
        app.post("/multi-exec", "[" + json("INCR", "acl:a") + "," + json("GET", "acl:a") + "]")
            .expect(200).json());
    assertEquals("{\"result\":\"3\"}", app.post("/", json("EVAL",
        "return redis.call('GET', KEYS[1])", "1", "acl:a")).expect(200).body());

    // Single commands of concurrent requests share auto-pipelined batches on the user's pool.
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<Future<Integer>> statuses = new ArrayList<>();
      for (int i = 0; i < 80; i++) {
        statuses.add(threads.submit(() -> app.post("/", json("INCR", "acl:n")).status()));
      }
      for (Future<Integer> status : statuses) {
        assertEquals(200, status.get(30, TimeUnit.SECONDS));
      }
    } finally {
      threads.shutdownNow();
    }
    assertEquals("80", RedisProbe.get(redis, "acl:n"));
    // The bridge lets SORT through; only the user's ACL refuses it, so it ran as that user.
    app.post("/", json("SORT", "acl:l")).expectError(403, "NOPERM");
    app.get("/SORT/acl:l").expectError(403, "NOPERM");
    admin.post("/", json("SORT", "acl:l")).expect(200);
    try (Jedis jedis = RedisProbe.connect(redis)) {
      assertTrue(jedis.clientList().lines().anyMatch(l -> l.contains(" user=app ")),
          jedis.clientList());
    }
  }

  @Test
  void subscriptionsRunAsTheTokensUser() throws Exception {
    try (EventStream stream = new EventStream(bridge.url() + "/subscribe/acl:news", "app-tok")) {
      assertEquals("data: subscribe,acl:news,1", stream.next());
      try (Jedis jedis = RedisProbe.connect(redis)) {
        assertTrue(jedis.clientList().lines().anyMatch(l -> l.contains("name=bridge-pubsub")
            && l.contains(" user=app ")), jedis.clientList());
      }
      assertEquals("{\"result\":1}",
          app.post("/", json("PUBLISH", "acl:news", "hello")).expect(200).body());
      assertEquals("data: message,acl:news,hello", stream.next());
    }
  }

  @Test
  void aReadOnlyTokenReadsButCannotWriteNotEvenInAScript() {
    admin.post("/", json("SET", "acl:r", "v")).expect(200);
    assertEquals("{\"GET\":\"v\"}", reader.get("/GET/acl:r").expect(200).body());
    assertEquals("{\"result\":\"v\"}", reader.post("/", json("EVAL_RO",
        "return redis.call('GET', KEYS[1])", "1", "acl:r")).expect(200).body());
    assertEquals("{\"result\":\"v\"}",
        reader.post("/", json("FCALL_RO", "readk", "1", "acl:r")).expect(200).body());
    reader.post("/", json("SET", "acl:r", "w")).expectError(403, "read-only");
    reader.get("/DEL/acl:r").expectError(403, "read-only");
    reader.post("/", json("EVAL", "return redis.call('SET', KEYS[1], 'w')", "1", "acl:r"))
        .expectError(403, "EVAL_RO");
    reader.post("/", json("EVAL_RO", "return redis.call('SET', KEYS[1], 'w')", "1", "acl:r"))
        .expectError(400, "Write commands are not allowed from read-only scripts");
    reader.post("/pipeline", "[" + json("GET", "acl:r") + "," + json("DEL", "acl:r") + "]")
        .expectError(403, "DEL (command 1)");
    reader.post("/multi-exec", "[" + json("SET", "acl:r", "w") + "]").expectError(403, "read-only");
    ownReadOnly.post("/", json("SET", "acl:r", "w")).expectError(403, "read-only");
    assertEquals("{\"result\":\"v\"}", ownReadOnly.post("/", json("GET", "acl:r")).body());
    assertEquals("v", RedisProbe.get(redis, "acl:r"));
  }

  @Test
  void metricsCountRefusalsByReason() {
    long list = refusals("bridge_list");
    long noPerm = refusals("redis_noperm");
    long readOnly = refusals("read_only_token");
    app.post("/", json("FLUSHALL")).expectError(403, "dangerous");
    app.post("/", json("EVAL", FLUSHALL_SCRIPT, "0")).expectError(403, "NOPERM");
    reader.post("/", json("SET", "acl:x", "1")).expectError(403, "read-only");
    assertEquals(list + 1, refusals("bridge_list"));
    assertEquals(noPerm + 1, refusals("redis_noperm"));
    assertEquals(readOnly + 1, refusals("read_only_token"));
    String metrics = admin.get("/metrics").expect(200).body();
    assertTrue(metrics.contains("bridge_pool_connections_open{pool=\"bridge-app\"}"), metrics);
    assertTrue(metrics.contains("bridge_pool_connections_open{pool=\"bridge\"}"), metrics);
  }

  private static long refusals(String reason) {
    String metrics = admin.get("/metrics").expect(200).body();
    Matcher m = Pattern.compile("bridge_refusals_total\\{reason=\"" + reason + "\"} (\\d+)")
        .matcher(metrics);
    assertTrue(m.find(), metrics);
    return Long.parseLong(m.group(1));
  }

  @Test
  void aWrongUserPasswordFailsAtStartupNamingTheUser() throws Exception {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RedisHttpBridge.builder().redis(RedisContainers.uri(redis)).port(0)
            .tokens("t=app:not-the-password").start());
    assertTrue(e.getMessage().contains("Redis user 'app'") && e.getMessage().contains("WRONGPASS"),
        e.getMessage());
    assertFalse(e.getMessage().contains("not-the-password"), e.getMessage());

    Path tokens = Files.createTempFile("tokens", ".txt");
    Files.writeString(tokens, "# bound to a user\nt=app:not-the-password\n");
    Path log = Files.createTempFile("bridge", ".log");
    Process bad = launch(log, "--port", String.valueOf(FreePorts.pick()), "--redis",
        RedisContainers.uri(redis), "--tokens-file", tokens.toString());
    assertTrue(bad.waitFor(30, TimeUnit.SECONDS), "it stops by itself");
    String output = read(log);
    assertEquals(2, bad.exitValue(), output);
    assertTrue(output.contains("Redis refused the password of Redis user 'app'"), output);
    assertFalse(output.contains("not-the-password"), output);
  }

  @Test
  void oneWarningWhenScriptsCanRunDangerousCommandsNoneForARestrictedUser() throws Exception {
    String warning = "scripts can run dangerous commands";
    String unrestricted = startAndReadLog();
    assertEquals(1, unrestricted.split(warning, -1).length - 1, unrestricted);
    assertTrue(unrestricted.contains("user 'default' may run FLUSHALL, FLUSHDB"), unrestricted);

    Path tokens = Files.createTempFile("tokens", ".txt");
    Files.writeString(tokens, "t=app:app-pw\n");
    String restricted = startAndReadLog("--tokens-file", tokens.toString());
    assertFalse(restricted.contains(warning), restricted);
    assertFalse(restricted.contains("app-pw"), restricted);

    // The bridge's own user is the restricted one: Redis refuses it ACL DRYRUN, the check is
    // skipped (a DEBUG line) and the bridge serves as usual.
    String ownRestricted = startAndReadLog("--redis", RedisContainers.uri(redis)
        .replace("redis://", "redis://app:app-pw@"), "--log-level", "debug");
    assertFalse(ownRestricted.contains(warning), ownRestricted);
    assertFalse(ownRestricted.contains("app-pw"), "the password is never logged");
    assertTrue(ownRestricted.contains("skipped the startup check of what scripts may run"),
        ownRestricted);
  }

  /** Starts the jar on the test's Redis, waits for its startup line, stops it, returns its log. */
  private static String startAndReadLog(String... extra) throws Exception {
    int port = FreePorts.pick();
    List<String> args = new ArrayList<>(List.of("--port", String.valueOf(port), "--redis",
        RedisContainers.uri(redis)));
    args.addAll(List.of(extra));
    Path log = Files.createTempFile("bridge", ".log");
    Process bridgeProcess = launch(log, args.toArray(new String[0]));
    try {
      Await.until(Duration.ofSeconds(30), "the startup line",
          () -> read(log).contains("listening on") || !bridgeProcess.isAlive());
      assertTrue(bridgeProcess.isAlive(), read(log));
      return read(log);
    } finally {
      bridgeProcess.destroy();
      bridgeProcess.waitFor(15, TimeUnit.SECONDS);
    }
  }

}
