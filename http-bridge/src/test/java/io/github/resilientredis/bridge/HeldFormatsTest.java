package io.github.resilientredis.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The framing a direct send writes must be the one the HTTP server's chunked stream writes. */
class HeldFormatsTest {

  private static String chunk(String body) {
    return new String(HeldFormats.chunk(body.getBytes(StandardCharsets.UTF_8)),
        StandardCharsets.UTF_8);
  }

  @Test
  void aChunkIsItsHexLengthCrlfTheBytesCrlf() {
    assertEquals("1\r\nx\r\n", chunk("x"));
    assertEquals("1d\r\ndata: message,x,hello-world\n\n\r\n",
        chunk("data: message,x,hello-world\n\n"));
    assertEquals("100\r\n" + "p".repeat(256) + "\r\n", chunk("p".repeat(256)));
  }

  /**
   * A long-poll answered directly is sent whole: its message's chunk, then the empty chunk that
   * ends the body, as the server's stream writes them for one write and a close.
   */
  @Test
  void aLongPollsDirectBytesEndItsReply() {
    Message message = new Message(null, "login".getBytes(StandardCharsets.UTF_8),
        "ok".getBytes(StandardCharsets.UTF_8), 0);
    String json = "{\"result\":{\"channel\":\"login\",\"message\":\"ok\"}}";
    assertEquals(json, new String(HeldFormats.pollMessage(message), StandardCharsets.UTF_8));
    // what Message.chunk(POLL) sends (it needs Java 22+ for the native copy)
    assertEquals(Integer.toHexString(json.length()) + "\r\n" + json + "\r\n0\r\n\r\n",
        new String(HeldFormats.lastChunk(HeldFormats.pollMessage(message)),
            StandardCharsets.UTF_8));
  }

  @Test
  void aMultiLineMessageIsOneEventInOneChunk() {
    byte[] payload = "hi\nthere".getBytes(StandardCharsets.UTF_8);
    Message message = new Message(null, "news".getBytes(StandardCharsets.UTF_8), payload, 0);
    assertEquals("23\r\ndata: message,news,hi\ndata: there\n\n\r\n",
        new String(HeldFormats.chunk(message.sse()), StandardCharsets.UTF_8));
  }
}
