package io.github.resilientredis.bridge;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisDataException;

class RepliesTest {

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private static String upstash(Object reply, boolean base64) throws IOException {
    ByteSink sink = new ByteSink();
    JsonWriter w = HttpCall.json(sink);
    w.beginObject().name("result");
    Replies.upstash(w, reply, base64);
    w.endObject().flush();
    return sink.asString();
  }

  private static String webdis(String verb, Object reply) throws IOException {
    ByteSink sink = new ByteSink();
    JsonWriter w = HttpCall.json(sink);
    Replies.webdis(w, verb, Command.upperAscii(b(verb)), reply);
    w.flush();
    return sink.asString();
  }

  @Test
  void upstashKeepsRedisShapes() throws IOException {
    assertEquals("{\"result\":\"OK\"}", upstash("OK", false));
    assertEquals("{\"result\":null}", upstash(null, false));
    assertEquals("{\"result\":42}", upstash(42L, false));
    assertEquals("{\"result\":\"v\\\"<>&\\n\"}", upstash(b("v\"<>&\n"), false));
    assertEquals("{\"result\":[\"f\",\"1\",[\"x\",null,7]]}",
        upstash(List.of(b("f"), b("1"), Arrays.asList(b("x"), null, 7L)), false));
    assertEquals("{\"result\":[\"ERR in array\"]}",
        upstash(List.of(new JedisDataException("ERR in array")), false));
  }

  @Test
  void upstashBase64EncodesEveryStringAtAnyDepth() throws IOException {
    byte[] binary = {0, (byte) 0xff, (byte) 0xfe, 'a'};
    String b64 = Base64.getEncoder().encodeToString(binary);
    String ok = Base64.getEncoder().encodeToString(b("OK"));
    assertEquals("{\"result\":[\"" + b64 + "\",5,null,[\"" + ok + "\"],\"ERR x\"]}",
        upstash(Arrays.asList(binary, 5L, null, List.of("OK"), new JedisDataException("ERR x")),
            true));
    assertArrayEquals(binary, Base64.getDecoder().decode(b64));
  }

  @Test
  void findsValuesThatAreNotUtf8AtAnyDepth() {
    assertTrue(Replies.isUtf8(List.of(b("\u00e9t\u00e9"), 1L, "OK")));
    assertFalse(Replies.isUtf8(List.of(b("a"), List.of(new byte[] {(byte) 0xc3}))));
    assertFalse(Replies.isUtf8(new byte[] {(byte) 0x80}));
    assertTrue(Replies.isUtf8(null));
  }

  @Test
  void webdisShapes() throws IOException {
    assertEquals("{\"GET\":\"v\"}", webdis("GET", b("v")));
    assertEquals("{\"set\":[true,\"OK\"]}", webdis("set", "OK"));
    assertEquals("{\"GET\":[false,\"WRONGTYPE x\"]}", webdis("GET", new JedisDataException(
        "WRONGTYPE x")));
    assertEquals("{\"INCR\":3}", webdis("INCR", 3L));
    assertEquals("{\"GET\":null}", webdis("GET", null));
    assertEquals("{\"LRANGE\":[\"a\",[\"b\",1],null]}",
        webdis("LRANGE", Arrays.asList(b("a"), List.of(b("b"), 1L), null)));
  }

  @Test
  void webdisHgetallIsAnObjectAndInfoIsParsed() throws IOException {
    assertEquals("{\"hgetall\":{\"f\":\"1\",\"g\":\"2\"}}",
        webdis("hgetall", List.of(b("f"), b("1"), b("g"), b("2"))));
    assertEquals("{\"INFO\":{\"redis_version\":\"7.0.15\",\"role\":\"master\"}}",
        webdis("INFO", b("# Server\r\nredis_version:7.0.15\r\n\r\n# Replication\r\nrole:master\r\n")));
  }

  @Test
  void respIsWhatRedisSent() {
    ByteSink sink = new ByteSink();
    Replies.resp(sink, Arrays.asList(b("a\r\nb"), 7L, null, "OK", new JedisDataException("ERR e"),
        List.of()));
    assertEquals("*6\r\n$4\r\na\r\nb\r\n:7\r\n$-1\r\n+OK\r\n-ERR e\r\n*0\r\n", sink.asString());
    ByteSink binary = new ByteSink();
    Replies.resp(binary, new byte[] {0, (byte) 0xff});
    assertArrayEquals(new byte[] {'$', '2', '\r', '\n', 0, (byte) 0xff, '\r', '\n'},
        binary.toByteArray());
  }

  @Test
  void textIsThePlainValueAsWebdisWritesIt() {
    assertFalse(Replies.text(new ByteSink(), null, new byte[0]));
    ByteSink sink = new ByteSink();
    Replies.text(sink, new byte[] {1, (byte) 0xff}, new byte[0]);
    assertArrayEquals(new byte[] {1, (byte) 0xff}, sink.toByteArray());
    sink = new ByteSink();
    Replies.text(sink, "OK", new byte[0]);
    assertEquals("+OK", sink.asString());
    sink = new ByteSink();
    Replies.text(sink, List.of(b("a"), 1L, b("b")), b(","));
    assertEquals("a,b", sink.asString());
    sink = new ByteSink();
    Replies.text(sink, 12L, new byte[0]);
    assertEquals("12", sink.asString());
  }
}
