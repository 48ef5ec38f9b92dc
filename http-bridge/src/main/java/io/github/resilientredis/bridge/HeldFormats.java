package io.github.resilientredis.bridge;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The bytes a held request writes, in its three shapes: Upstash's Server-Sent Events, Webdis's
 * chunked JSON (one object per chunk, as Webdis streams {@code /SUBSCRIBE}), and the long-poll's
 * single JSON reply. Payloads are text: bytes that are not UTF-8 are replaced (U+FFFD).
 */
final class HeldFormats {

  /**
   * Keepalives: two halves written apart (see {@link HeldRequest}), then the whole for one write.
   * An SSE comment line.
   */
  static final byte[][] SSE_KEEPALIVE = keepalive(":", "\n\n");
  /** Whitespace between JSON values: a streaming JSON reader skips it. */
  static final byte[][] JSON_KEEPALIVE = keepalive("\n", "\n");
  /** Before the long-poll's JSON value: leading whitespace is still the same JSON document. */
  static final byte[][] POLL_KEEPALIVE = keepalive(" ", " ");
  private static final byte[] DATA = ascii("data: ");
  /** Where an event's encoding starts (it grows for a large payload): events are mostly small. */
  private static final int SMALL = 128;

  private HeldFormats() {}

  /** {@code data: message,<channel>,<payload>} or {@code data: pmessage,<pattern>,<channel>,...}. */
  static byte[] sseMessage(Message m) {
    return m.pattern == null ? sse(null, "message", m.channel, m.payload)
        : sse(null, "pmessage", m.pattern, join(m.channel, m.payload));
  }

  /** {@code data: subscribe,<channel>,<n>}: the n-th name of this stream is subscribed. */
  static byte[] sseSubscribed(Topic topic, int n) {
    return sse(null, topic.pattern ? "psubscribe" : "subscribe", topic.name, ascii("" + n));
  }

  /**
   * {@code event: missed} with {@code data: missed,<channel>,<milliseconds>}: Redis was away and
   * the subscription is back; messages published during those milliseconds were not delivered.
   * A named event, so an EventSource's {@code onmessage} does not see it.
   */
  static byte[] sseMissed(Topic topic, long gapMillis) {
    return sse("missed", "missed", topic.name, ascii("" + gapMillis));
  }

  /** {@code {"SUBSCRIBE":["message","<channel>","<payload>"]}}, as Webdis streams it. */
  static byte[] webdisMessage(Message m) {
    return m.pattern == null
        ? json("SUBSCRIBE", "message", m.channel, m.payload, null)
        : json("PSUBSCRIBE", "pmessage", m.pattern, m.channel, m.payload);
  }

  static byte[] webdisSubscribed(Topic topic, int n) {
    ByteSink sink = new ByteSink(SMALL);
    try {
      JsonWriter w = HttpCall.json(sink);
      w.beginObject().name(topic.pattern ? "PSUBSCRIBE" : "SUBSCRIBE").beginArray()
          .value(topic.pattern ? "psubscribe" : "subscribe").value(text(topic.name)).value(n)
          .endArray().endObject().flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sink.toByteArray();
  }

  /** {@code {"SUBSCRIBE":["missed","<channel>",<milliseconds>]}}: see {@link #sseMissed}. */
  static byte[] webdisMissed(Topic topic, long gapMillis) {
    ByteSink sink = new ByteSink(SMALL);
    try {
      JsonWriter w = HttpCall.json(sink);
      w.beginObject().name(topic.pattern ? "PSUBSCRIBE" : "SUBSCRIBE").beginArray()
          .value("missed").value(text(topic.name)).value(gapMillis).endArray().endObject().flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sink.toByteArray();
  }

  /** {@code {"result":{"channel":"<channel>","message":"<payload>"}}}. */
  static byte[] pollMessage(Message m) {
    ByteSink sink = new ByteSink(SMALL);
    try {
      JsonWriter w = HttpCall.json(sink);
      w.beginObject().name("result").beginObject()
          .name("channel").value(text(m.channel))
          .name("message").value(text(m.payload))
          .endObject().endObject().flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sink.toByteArray();
  }

  /** {@code {"result":null}}, with {@code "missed":true} when Redis was away meanwhile. */
  static byte[] pollNothing(boolean missed) {
    return ascii(missed ? "{\"result\":null,\"missed\":true}" : "{\"result\":null}");
  }

  static byte[] pollError(String message) {
    ByteSink sink = new ByteSink(SMALL);
    try {
      HttpCall.json(sink).beginObject().name("error").value(message).endObject().flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sink.toByteArray();
  }

  /**
   * {@code body} as the last data of a chunked HTTP/1.1 body: its chunk, then the empty chunk that
   * ends the body ({@code 0\r\n\r\n}). A long-poll's answer sent directly ends its reply.
   */
  static byte[] lastChunk(byte[] body) {
    byte[] chunk = chunk(body);
    byte[] end = ascii("0\r\n\r\n");
    byte[] bytes = java.util.Arrays.copyOf(chunk, chunk.length + end.length);
    System.arraycopy(end, 0, bytes, chunk.length, end.length);
    return bytes;
  }

  /**
   * {@code body} framed as one chunk of a chunked HTTP/1.1 body, as the server's own body stream
   * frames a flushed write: hex length, CRLF, the bytes, CRLF.
   */
  static byte[] chunk(byte[] body) {
    byte[] head = ascii(Integer.toHexString(body.length) + "\r\n");
    byte[] chunk = new byte[head.length + body.length + 2];
    System.arraycopy(head, 0, chunk, 0, head.length);
    System.arraycopy(body, 0, chunk, head.length, body.length);
    chunk[chunk.length - 2] = '\r';
    chunk[chunk.length - 1] = '\n';
    return chunk;
  }

  private static byte[] json(String command, String kind, byte[] a, byte[] b, byte[] c) {
    ByteSink sink = new ByteSink(SMALL);
    try {
      JsonWriter w = HttpCall.json(sink);
      w.beginObject().name(command).beginArray().value(kind).value(text(a)).value(text(b));
      if (c != null) {
        w.value(text(c));
      }
      w.endArray().endObject().flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sink.toByteArray();
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static byte[] join(byte[] channel, byte[] payload) {
    byte[] out = new byte[channel.length + 1 + payload.length];
    System.arraycopy(channel, 0, out, 0, channel.length);
    out[channel.length] = ',';
    System.arraycopy(payload, 0, out, channel.length + 1, payload.length);
    return out;
  }

  /**
   * One event: {@code kind,name,rest}; a line break inside starts another {@code data:} line, so
   * a payload with line breaks stays one event.
   */
  private static byte[] sse(String event, String kind, byte[] name, byte[] rest) {
    ByteSink line = new ByteSink(SMALL);
    line.writeAscii(kind);
    line.writeByte(',');
    line.writeBytes(name);
    line.writeByte(',');
    line.writeBytes(rest);
    ByteSink framed = new ByteSink(SMALL);
    if (event != null) {
      framed.writeAscii("event: " + event + "\n");
    }
    framed.writeBytes(DATA);
    byte[] bytes = line.array();
    for (int i = 0; i < line.length(); i++) {
      byte b = bytes[i];
      if (b == '\n' || b == '\r') {
        framed.writeByte('\n');
        framed.writeBytes(DATA);
        if (b == '\r' && i + 1 < line.length() && bytes[i + 1] == '\n') {
          i++;
        }
      } else {
        framed.writeByte(b);
      }
    }
    framed.writeByte('\n');
    framed.writeByte('\n');
    return framed.toByteArray();
  }

  private static byte[][] keepalive(String first, String second) {
    return new byte[][] {ascii(first), ascii(second), ascii(first + second)};
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
