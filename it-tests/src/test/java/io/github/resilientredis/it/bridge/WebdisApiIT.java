package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.bridge.BridgeHttp.Reply;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.Jedis;

/** The Webdis URL API over real HTTP against a real Redis. */
class WebdisApiIT {

  private static GenericContainer<?> redis;
  private static RedisHttpBridge bridge;
  private static BridgeHttp http;

  @BeforeAll
  static void start() {
    BridgeHttp.init();
    redis = RedisContainers.redis();
    redis.start();
    // A small pool, so that a connection moved to another database would soon be lent again.
    bridge = RedisHttpBridge.builder().redis(RedisContainers.uri(redis)).port(0).poolSize(2)
        .maxBlocking(1).start();
    http = new BridgeHttp(bridge.url(), null);
  }

  @AfterAll
  static void stop() {
    if (bridge != null) {
      bridge.close();
    }
    redis.stop();
  }

  private static JsonElement json(String text) {
    return JsonParser.parseString(text);
  }

  @Test
  void jsonIsKeyedByTheCommandAsTyped() {
    assertEquals(json("{\"SET\":[true,\"OK\"]}"), http.get("/SET/w:k/hello").expect(200).json());
    assertEquals(json("{\"GET\":\"hello\"}"), http.get("/GET/w:k").expect(200).json());
    assertEquals(json("{\"get\":\"hello\"}"), http.get("/get/w:k").expect(200).json());
    assertEquals(json("{\"GET\":null}"), http.get("/GET/w:missing").expect(200).json());
    assertEquals(json("{\"INCR\":1}"), http.get("/INCR/w:n").json());
    assertEquals(json("{\"RPUSH\":2}"), http.get("/RPUSH/w:l/a/b").json());
    assertEquals(json("{\"LRANGE\":[\"a\",\"b\"]}"), http.get("/LRANGE/w:l/0/-1").json());
    assertEquals(json("{\"EVAL\":[1,[\"x\",null],null]}"),
        http.get("/EVAL/return%20%7B1%2C%7B'x'%2Cfalse%7D%2Cfalse%7D/0").json());
    assertEquals(json("{\"PING\":[true,\"PONG\"]}"), http.get("/PING").json());
    assertEquals("application/json; charset=utf-8", http.get("/PING").header("Content-Type"));
  }

  @Test
  void redisErrorsAreFalseAndTheText() {
    http.get("/SET/w:str/v").expect(200);
    Reply reply = http.get("/LPUSH/w:str/x").expect(200);
    assertEquals(json("{\"LPUSH\":[false,\"WRONGTYPE Operation against a key holding the wrong "
        + "kind of value\"]}"), reply.json());
  }

  @Test
  void hgetallIsAnObjectAndInfoIsParsed() {
    http.get("/HSET/w:h/a/1/b/2").expect(200);
    assertEquals(json("{\"HGETALL\":{\"a\":\"1\",\"b\":\"2\"}}"), http.get("/HGETALL/w:h").json());
    assertNotNull(http.get("/INFO/server").expect(200).json().getAsJsonObject()
        .getAsJsonObject("INFO").get("redis_version"));
  }

  @Test
  void slashesAndBinaryTravelPercentEncoded() {
    http.get("/SET/w:a%2Fb/c%2Fd%20e%2Bf").expect(200);
    assertEquals("c/d e+f", RedisProbe.get(redis, "w:a/b"));
    assertEquals(json("{\"GET\":\"c/d e+f\"}"), http.get("/GET/w:a%2Fb").json());
    http.get("/SET/w:bin/%00%FF%FEx").expect(200);
    Reply raw = http.get("/GET/w:bin.raw").expect(200);
    assertArrayEquals(new byte[] {'$', '4', '\r', '\n', 0, (byte) 0xff, (byte) 0xfe, 'x', '\r',
        '\n'}, raw.bytes());
    assertArrayEquals(new byte[] {0, (byte) 0xff, (byte) 0xfe, 'x'},
        http.get("/GET/w:bin.txt").expect(200).bytes());
    http.get("/GET/w:bin").expectError(406, ".raw");
  }

  @Test
  void rawAndTxtFormats() {
    http.get("/DEL/w:fmt").expect(200);
    http.get("/RPUSH/w:fmt/a/b").expect(200);
    assertEquals("*2\r\n$1\r\na\r\n$1\r\nb\r\n", http.get("/LRANGE/w:fmt/0/-1.raw").body());
    assertEquals("+PONG\r\n", http.get("/PING.raw").body());
    assertEquals(":2\r\n", http.get("/LLEN/w:fmt.raw").body());
    assertEquals("$-1\r\n", http.get("/GET/w:nothing.raw").body());
    assertEquals("a,b", http.get("/LRANGE/w:fmt/0/-1.txt?sep=,").body());
    assertEquals("2", http.get("/LLEN/w:fmt.txt").body());
    assertEquals("text/plain", http.get("/LLEN/w:fmt.txt").header("Content-Type"));
    http.get("/GET/w:nothing.txt").expectError(404, "nil");
  }

  @Test
  void etagIsTheMd5OfTheBodyAndIfNoneMatchGives304() throws Exception {
    http.get("/SET/w:etag/v1").expect(200);
    Reply first = http.get("/GET/w:etag").expect(200);
    String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(first.bytes()));
    assertEquals("\"" + md5 + "\"", first.header("ETag"));
    Reply same = http.get("/GET/w:etag", "If-None-Match", first.header("ETag")).expect(304);
    assertEquals(0, same.bytes().length);
    http.get("/SET/w:etag/v2").expect(200);
    assertEquals(json("{\"GET\":\"v2\"}"), http.get("/GET/w:etag", "If-None-Match",
        first.header("ETag")).expect(200).json());
  }

  @Test
  void putTakesTheBodyAsLastArgumentAndPostTakesTheCommandAsBody() {
    byte[] value = {1, 2, (byte) 0xff, '/', '\n'};
    http.put("/SET/w:put", value).expect(200);
    try (Jedis jedis = RedisProbe.connect(redis)) {
      assertArrayEquals(value, jedis.get("w:put".getBytes(StandardCharsets.UTF_8)));
    }
    assertEquals(json("{\"SET\":[true,\"OK\"]}"), http.post("/", "SET/w:form/a%20b",
        "Content-Type", "application/x-www-form-urlencoded").expect(200).json());
    assertEquals(json("{\"GET\":\"a b\"}"), http.post("/", "GET/w:form").json());
  }

  @Test
  void aLeadingNumberSelectsADatabaseAndThePoolStaysOnItsOwn() {
    http.get("/3/SET/w:db/three").expect(200);
    assertEquals(json("{\"GET\":\"three\"}"), http.get("/3/GET/w:db").json());
    // Every connection of the (two) pooled ones is back on database 0.
    for (int i = 0; i < 20; i++) {
      assertEquals(json("{\"GET\":null}"), http.get("/GET/w:db").json());
    }
    try (Jedis jedis = RedisProbe.connect(redis)) {
      jedis.select(3);
      assertEquals("three", jedis.get("w:db"));
    }
    assertEquals(json("{\"GET\":[false,\"ERR DB index is out of range\"]}"),
        http.get("/99999/GET/w:db").expect(200).json());
    assertNull(RedisProbe.get(redis, "w:db"));
  }

  @Test
  void blockingCommandsAreCappedNotHung() {
    long start = System.nanoTime();
    assertEquals(json("{\"BLPOP\":null}"), http.get("/BLPOP/w:never/0").expect(200).json());
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis >= 1500 && millis < 4500, "BLPOP 0 waited max-block (2 s), took " + millis);
  }
}
