package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.github.resilientredis.bridge.PathStyle;
import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.bridge.BridgeHttp.Reply;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.Jedis;

/** The Upstash REST API over real HTTP against a real Redis. */
class UpstashApiIT {

  private static final String TOKEN = "upstash-it-token";
  private static GenericContainer<?> redis;
  private static RedisHttpBridge bridge;
  private static RedisHttpBridge pathBridge;
  private static BridgeHttp http;
  private static BridgeHttp paths;

  @BeforeAll
  static void start() {
    BridgeHttp.init();
    redis = RedisContainers.redis();
    redis.start();
    bridge = RedisHttpBridge.builder().redis(RedisContainers.uri(redis)).port(0).tokens(TOKEN)
        .start();
    pathBridge = RedisHttpBridge.builder().redis(RedisContainers.uri(redis)).port(0)
        .tokens(TOKEN).pathStyle(PathStyle.UPSTASH).start();
    http = new BridgeHttp(bridge.url(), TOKEN);
    paths = new BridgeHttp(pathBridge.url(), TOKEN);
  }

  @AfterAll
  static void stop() {
    if (bridge != null) {
      bridge.close();
    }
    if (pathBridge != null) {
      pathBridge.close();
    }
    redis.stop();
  }

  private static Reply command(String json, String... headers) {
    List<String> all = new ArrayList<>(List.of("Content-Type", "application/json"));
    all.addAll(List.of(headers));
    return http.post("/", json, all.toArray(String[]::new));
  }

  private static JsonElement result(String json) {
    Reply reply = command(json).expect(200);
    assertEquals("application/json; charset=utf-8", reply.header("Content-Type"));
    return reply.json().getAsJsonObject().get("result");
  }

  private static JsonElement json(String text) {
    return JsonParser.parseString(text);
  }

  @Test
  void everyReplyTypeHasItsRedisShape() {
    assertEquals(json("\"OK\""), result("[\"SET\",\"u:str\",\"v\"]"));
    assertEquals(json("\"v\""), result("[\"get\",\"u:str\"]"));
    assertEquals(json("null"), result("[\"GET\",\"u:missing\"]"));
    assertEquals("{\"result\":null}", command("[\"GET\",\"u:missing\"]").body());
    assertEquals(json("1"), result("[\"INCR\",\"u:n\"]"));
    assertEquals(json("\"string\""), result("[\"TYPE\",\"u:str\"]"));
    assertEquals(json("3"), result("[\"RPUSH\",\"u:list\",\"a\",\"b\",\"c\"]"));
    assertEquals(json("[\"a\",\"b\",\"c\"]"), result("[\"LRANGE\",\"u:list\",0,-1]"));
    assertEquals(json("[]"), result("[\"LRANGE\",\"u:none\",0,-1]"));
    result("[\"HSET\",\"u:hash\",\"f1\",\"1\",\"f2\",\"2\"]");
    JsonArray hash = result("[\"HGETALL\",\"u:hash\"]").getAsJsonArray();
    assertEquals(4, hash.size(), "HGETALL is a flat array");
    result("[\"ZADD\",\"u:z\",1.5,\"m\"]");
    assertEquals(json("[\"m\",\"1.5\"]"), result("[\"ZRANGE\",\"u:z\",0,-1,\"WITHSCORES\"]"),
        "scores are strings, as in RESP2");
    assertEquals(json("[1,\"two\",[3,\"four\",null],null]"),
        result("[\"EVAL\",\"return {1,'two',{3,'four',false},false}\",0]"));
  }

  @Test
  void argumentsMayBeNumbersAndBooleansAndBodiesMayComeFromCurl() {
    result("[\"SET\",\"u:num\",42]");
    assertEquals(json("\"42\""), result("[\"GET\",\"u:num\"]"));
    result("[\"SET\",\"u:bool\",true]");
    assertEquals(json("\"true\""), result("[\"GET\",\"u:bool\"]"));
    // curl -d sends application/x-www-form-urlencoded: a body starting with '[' is still JSON
    Reply curl = http.post("/", "[\"GET\",\"u:num\"]", "Content-Type",
        "application/x-www-form-urlencoded");
    assertEquals("{\"result\":\"42\"}", curl.expect(200).body());
  }

  @Test
  void redisErrorsAre400WithTheTextUnchanged() {
    result("[\"SET\",\"u:wrongtype\",\"v\"]");
    String wrongType = command("[\"LPUSH\",\"u:wrongtype\",\"x\"]").expectError(400, "WRONGTYPE")
        .json().getAsJsonObject().get("error").getAsString();
    assertEquals("WRONGTYPE Operation against a key holding the wrong kind of value", wrongType);
    command("[\"NOPE\",\"x\"]").expectError(400, "ERR unknown command");
    String noScript = command("[\"EVALSHA\",\"" + "0".repeat(40) + "\",0]").expect(400).json()
        .getAsJsonObject().get("error").getAsString();
    assertTrue(noScript.startsWith("NOSCRIPT"), noScript);
  }

  @Test
  void base64EncodesEveryStringAndKeepsBinaryIntact() {
    byte[] binary = {0, (byte) 0xff, (byte) 0xfe, '\n', 'a', (byte) 0x80};
    try (Jedis jedis = RedisProbe.connect(redis)) {
      jedis.set("u:bin".getBytes(StandardCharsets.UTF_8), binary);
    }
    Base64.Decoder b64 = Base64.getDecoder();
    Reply reply = command("[\"GET\",\"u:bin\"]", "Upstash-Encoding", "base64").expect(200);
    assertArrayEquals(binary, b64.decode(reply.json().getAsJsonObject().get("result")
        .getAsString()));
    result("[\"DEL\",\"u:b64list\"]");
    result("[\"RPUSH\",\"u:b64list\",\"h\u00e9\",\"x\"]");
    JsonArray list = command("[\"LRANGE\",\"u:b64list\",0,-1]", "Upstash-Encoding", "base64")
        .expect(200).json().getAsJsonObject().get("result").getAsJsonArray();
    assertEquals("h\u00e9", new String(b64.decode(list.get(0).getAsString()),
        StandardCharsets.UTF_8));
    assertEquals("{\"result\":6}", command("[\"STRLEN\",\"u:bin\"]", "Upstash-Encoding",
        "base64").body(), "numbers stay numbers");
    assertEquals("{\"result\":null}", command("[\"GET\",\"u:nothing\"]", "Upstash-Encoding",
        "base64").body());
    command("[\"INCR\",\"u:bin\"]", "Upstash-Encoding", "base64")
        .expectError(400, "ERR value is not an integer");
  }

  @Test
  void aValueThatIsNotUtf8IsNeverMangledIntoJson() {
    try (Jedis jedis = RedisProbe.connect(redis)) {
      jedis.set("u:latin1".getBytes(StandardCharsets.UTF_8), new byte[] {'c', 'a', 'f',
          (byte) 0xe9});
    }
    command("[\"GET\",\"u:latin1\"]").expectError(406, "Upstash-Encoding: base64");
    JsonArray pipeline = http.post("/pipeline", "[[\"GET\",\"u:latin1\"],[\"ECHO\",\"ok\"]]")
        .expect(200).json().getAsJsonArray();
    assertTrue(pipeline.get(0).getAsJsonObject().get("error").getAsString().contains("UTF-8"));
    assertEquals("ok", pipeline.get(1).getAsJsonObject().get("result").getAsString());
  }

  @Test
  void unicodeAndLargeValuesRoundTrip() {
    String text = "h\u00e9llo \u4e16\u754c \ud83c\udf89 \"quoted\" \\ \u0000 \n end";
    command("[\"SET\",\"u:unicode\"," + new com.google.gson.Gson().toJson(text) + "]").expect(200);
    assertEquals(text, result("[\"GET\",\"u:unicode\"]").getAsString());
    assertEquals(text, RedisProbe.get(redis, "u:unicode"));
    String big = "x".repeat(1 << 20);
    command("[\"SET\",\"u:big\",\"" + big + "\"]").expect(200);
    assertEquals(big, result("[\"GET\",\"u:big\"]").getAsString());
  }

  @Test
  void pipelineAnswersEveryCommandInOrder() {
    Reply reply = http.post("/pipeline", "[[\"SET\",\"u:p\",\"1\"],[\"INCR\",\"u:p\"],"
        + "[\"LPUSH\",\"u:p\",\"x\"],[\"GET\",\"u:p\"],[\"GET\",\"u:p:none\"]]").expect(200);
    assertEquals(json("[{\"result\":\"OK\"},{\"result\":2},{\"error\":\"WRONGTYPE Operation "
        + "against a key holding the wrong kind of value\"},{\"result\":\"2\"},{\"result\":null}]"),
        reply.json());
    StringBuilder many = new StringBuilder("[[\"DEL\",\"u:count\"]");
    for (int i = 0; i < 1000; i++) {
      many.append(",[\"INCR\",\"u:count\"]");
    }
    JsonArray counts = http.post("/pipeline", many.append("]").toString()).expect(200).json()
        .getAsJsonArray();
    for (int i = 1; i <= 1000; i++) {
      assertEquals(i, counts.get(i).getAsJsonObject().get("result").getAsInt());
    }
  }

  @Test
  void multiExecRunsAllOrNothingAndAlone() throws Exception {
    assertEquals(json("[{\"result\":\"OK\"},{\"result\":11},{\"result\":\"11\"}]"),
        http.post("/multi-exec", "[[\"SET\",\"u:tx\",\"10\"],[\"INCR\",\"u:tx\"],"
            + "[\"GET\",\"u:tx\"]]").expect(200).json());
    assertEquals(json("[{\"result\":\"OK\"},{\"error\":\"ERR value is not an integer or out of "
        + "range\"}]"), http.post("/multi-exec", "[[\"SET\",\"u:tx2\",\"x\"],[\"INCR\","
        + "\"u:tx2\"]]").expect(200).json(), "a runtime error fails only its command");
    http.post("/multi-exec", "[[\"SET\",\"u:tx3\",\"set\"],[\"NOPE\"]]")
        .expectError(400, "EXECABORT");
    assertEquals(null, RedisProbe.get(redis, "u:tx3"), "nothing of an aborted transaction runs");

    result("[\"SET\",\"u:atomic\",\"0\"]");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<JsonArray>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        results.add(pool.submit(() -> http.post("/multi-exec", "[[\"INCR\",\"u:atomic\"],"
            + "[\"INCR\",\"u:atomic\"]]").expect(200).json().getAsJsonArray()));
      }
      for (Future<JsonArray> f : results) {
        JsonArray pair = f.get();
        int first = pair.get(0).getAsJsonObject().get("result").getAsInt();
        int second = pair.get(1).getAsJsonObject().get("result").getAsInt();
        assertEquals(first + 1, second, "no other command ran between the two INCRs");
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals("400", RedisProbe.get(redis, "u:atomic"));
  }

  @Test
  void syncTokenChangesAfterWritesOnly() {
    String before = command("[\"GET\",\"u:sync\"]").expect(200).header("upstash-sync-token");
    assertNotNull(before);
    assertEquals(before, command("[\"GET\",\"u:sync\"]").header("upstash-sync-token"));
    String afterWrite = command("[\"SET\",\"u:sync\",\"1\"]").header("upstash-sync-token");
    assertNotEquals(before, afterWrite);
    assertEquals(afterWrite, http.post("/pipeline", "[[\"GET\",\"u:sync\"]]")
        .header("upstash-sync-token"));
    assertNotEquals(afterWrite, http.post("/multi-exec", "[[\"INCR\",\"u:sync\"]]")
        .header("upstash-sync-token"));
  }

  @Test
  void tokensComeAsBearerOrQueryAndWrongOnesAre401() {
    BridgeHttp anonymous = new BridgeHttp(bridge.url(), null);
    anonymous.post("/", "[\"PING\"]").expectError(401, "Unauthorized");
    new BridgeHttp(bridge.url(), "wrong").post("/", "[\"PING\"]").expectError(401, "wrong token");
    assertEquals("{\"result\":\"PONG\"}", anonymous.post("/?_token=" + TOKEN, "[\"PING\"]")
        .expect(200).body());
    anonymous.post("/pipeline?_token=nope", "[[\"PING\"]]").expectError(401, "Unauthorized");
  }

  @Test
  void pathStyleAnswersInUpstashShape() {
    assertEquals("{\"result\":\"OK\"}", paths.get("/set/u:path/v%2Fw").expect(200).body());
    assertEquals("{\"result\":\"v/w\"}", paths.get("/get/u:path").expect(200).body());
    assertEquals("{\"result\":\"OK\"}", paths.post("/set/u:path2", "hello world").body());
    assertEquals("hello world", RedisProbe.get(redis, "u:path2"));
    paths.get("/set/u:path3/v?EX=100").expect(200);
    assertTrue(paths.get("/ttl/u:path3").json().getAsJsonObject().get("result").getAsInt() > 90);
    paths.get("/lpush/u:path2/x").expectError(400, "WRONGTYPE");
    assertEquals("{\"result\":\"" + Base64.getEncoder().encodeToString(
        "v/w".getBytes(StandardCharsets.UTF_8)) + "\"}",
        paths.get("/get/u:path", "Upstash-Encoding", "base64").body());
    assertEquals("{\"result\":\"v/w\"}", paths.get("/get/u:path?_token=" + TOKEN).body());
  }
}
