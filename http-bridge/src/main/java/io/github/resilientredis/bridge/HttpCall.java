package io.github.resilientredis.bridge;

import com.google.gson.stream.JsonWriter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One request being answered: reads the body within the size limit and sends exactly one reply,
 * with an explicit length ({@code -1} when there is no body) and UTF-8 JSON.
 */
final class HttpCall {

  static final String JSON = "application/json; charset=utf-8";
  private static final byte[] EMPTY = new byte[0];
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no MD5", e);
    }
  });

  /** A refused request's body is read and dropped up to this; beyond, the connection is closed. */
  private static final int DISCARD_AT_MOST = 64 * 1024;

  final HttpExchange exchange;
  Metrics.Api api = Metrics.Api.OTHER;
  int status = 500;
  boolean responded;
  private boolean bodyRead;
  /** {@code Connection: close} was set on the reply (kept here: a header lookup allocates). */
  private boolean closing;

  HttpCall(HttpExchange exchange) {
    this.exchange = exchange;
  }

  /**
   * Gives this request's turn among {@code max-concurrent} back before it ends: for a request that
   * will wait a long time for Redis's news (a stream, a long poll). Call it on the request's own
   * thread (the one running the handler); harmless when there is no turn to give back.
   */
  void releaseSlot() {
    ConcurrencyGate.releaseCurrent();
  }

  String method() {
    return exchange.getRequestMethod();
  }

  /** 405 with {@code Allow} unless the request's method is {@code allowed}. */
  void requireMethod(String allowed) {
    if (!method().equals(allowed)) {
      throw BridgeException.methodNotAllowed(method(), allowed);
    }
  }

  String header(String name) {
    return exchange.getRequestHeaders().getFirst(name);
  }

  void setHeader(String name, String value) {
    exchange.getResponseHeaders().set(name, value);
    if (name.equalsIgnoreCase("Connection")) {
      closing = "close".equalsIgnoreCase(value);
    }
  }

  /** Adds a name to the reply's {@code Vary} header. */
  void addVary(String requestHeader) {
    exchange.getResponseHeaders().add("Vary", requestHeader);
  }

  /**
   * The whole request body, at most {@code maxBody} bytes (413 beyond). A declared length above
   * the limit is refused before reading, and the connection is closed rather than drained.
   */
  byte[] readBody(int maxBody) throws IOException {
    bodyRead = true;
    String declared = header("Content-Length");
    if (declared == null && header("Transfer-Encoding") == null) {
      // No body (RFC 9112 6.3). Not read at all: readNBytes would allocate a buffer for nothing,
      // about 12% of the CPU of a Webdis GET (BENCHMARKS.md, "Which HTTP server").
      return EMPTY;
    }
    InputStream in = exchange.getRequestBody();
    if (declared != null) {
      long length;
      try {
        length = Long.parseLong(declared.strip());
      } catch (NumberFormatException e) {
        throw BridgeException.badRequest("ERR bad Content-Length: " + declared);
      }
      if (length > maxBody) {
        setHeader("Connection", "close");
        throw BridgeException.tooLarge("ERR request body of " + length + " bytes is larger than"
            + " max-body (" + maxBody + " bytes)");
      }
      if (length <= 0) {
        return EMPTY;
      }
      byte[] body = in.readNBytes((int) length);
      if (body.length < length) {
        throw BridgeException.badRequest("ERR request body ended after " + body.length + " of "
            + length + " bytes");
      }
      return body;
    }
    byte[] body = in.readNBytes(maxBody);
    if (body.length == maxBody && in.read() >= 0) {
      setHeader("Connection", "close");
      throw BridgeException.tooLarge("ERR request body is larger than max-body (" + maxBody
          + " bytes)");
    }
    return body;
  }

  /**
   * Drains what is left of a refused request's body, so the connection can serve the next
   * request; a large one is not read: the connection is closed after the reply instead.
   */
  void discardBody() {
    if (bodyRead) {
      return;
    }
    bodyRead = true;
    if ("CONNECT".equalsIgnoreCase(method())) {
      // Some servers (robaho's) hand a CONNECT's raw connection over as its body: never read it.
      setHeader("Connection", "close");
      return;
    }
    String declared = header("Content-Length");
    boolean chunked = header("Transfer-Encoding") != null;
    if (declared == null && !chunked) {
      return;
    }
    try {
      // Read, never skip(): on JDK 17 the body stream's skip() goes past the body into the
      // connection (it is not length-bounded) and blocks there.
      InputStream in = exchange.getRequestBody();
      byte[] sink = new byte[8192];
      int total = 0;
      int n;
      while (total <= DISCARD_AT_MOST && (n = in.read(sink)) >= 0) {
        total += n;
      }
      if (total > DISCARD_AT_MOST) {
        setHeader("Connection", "close");
      }
    } catch (IOException e) {
      setHeader("Connection", "close");
    }
  }

  /** A JSON writer into {@code sink} (UTF-8, no HTML escaping, nulls written); it empties nothing. */
  static JsonWriter json(ByteSink sink) {
    JsonWriter writer = new JsonWriter(sink);
    writer.setHtmlSafe(false);
    writer.setSerializeNulls(true);
    return writer;
  }

  void sendJson(int code, ByteSink body) throws IOException {
    send(code, JSON, body.array(), body.length());
  }

  /** Sends {@code {"error": message}}. */
  void sendError(int code, String message) throws IOException {
    ByteSink sink = ByteSink.forThisThread();
    JsonWriter w = json(sink);
    w.beginObject().name("error").value(message).endObject();
    w.flush();
    sendJson(code, sink);
  }

  /**
   * 200 with an {@code ETag} (the body's MD5, as Webdis); 304 without a body when the client's
   * {@code If-None-Match} names it.
   */
  void sendWithEtag(String contentType, ByteSink body) throws IOException {
    MessageDigest md5 = MD5.get();
    md5.update(body.array(), 0, body.length());
    byte[] digest = md5.digest();
    char[] etag = new char[34];
    etag[0] = '"';
    for (int i = 0; i < 16; i++) {
      etag[1 + 2 * i] = HEX[(digest[i] >> 4) & 0xF];
      etag[2 + 2 * i] = HEX[digest[i] & 0xF];
    }
    etag[33] = '"';
    String tag = new String(etag);
    setHeader("ETag", tag);
    String ifNoneMatch = header("If-None-Match");
    if (ifNoneMatch != null && matches(ifNoneMatch, tag)) {
      send(304, null, EMPTY, 0);
      return;
    }
    send(200, contentType, body.array(), body.length());
  }

  private static boolean matches(String ifNoneMatch, String tag) {
    if (ifNoneMatch.equals(tag) || ifNoneMatch.strip().equals("*")) {
      return true;
    }
    for (String candidate : ifNoneMatch.split(",", -1)) {
      String c = candidate.strip();
      if (c.startsWith("W/")) {
        c = c.substring(2);
      }
      if (c.equals(tag)) {
        return true;
      }
    }
    return false;
  }

  void send(int code, String contentType, byte[] body, int length) throws IOException {
    if (responded) {
      throw new IllegalStateException("a reply was already sent");
    }
    responded = true;
    status = code;
    if (contentType != null) {
      setHeader("Content-Type", contentType);
    }
    exchange.sendResponseHeaders(code, length == 0 ? -1 : length);
    if (length > 0 || closing) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body, 0, length);
        if (closing) {
          // Out before the exchange ends: robaho's server first drains the unread request body
          // (up to 64 KiB), which a client that sent less than it declared never provides.
          out.flush();
        }
      }
    }
  }

  /** Sends 200 with a chunked body that the caller writes and closes (a stream of events). */
  OutputStream startStream(String contentType) throws IOException {
    if (responded) {
      throw new IllegalStateException("a reply was already sent");
    }
    responded = true;
    status = 200;
    setHeader("Content-Type", contentType);
    exchange.sendResponseHeaders(200, 0);
    return exchange.getResponseBody();
  }
}
