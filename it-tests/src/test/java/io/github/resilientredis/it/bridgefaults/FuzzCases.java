package io.github.resilientredis.it.bridgefaults;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The case generator of {@link BridgeFuzzIT}, apart from the test that sends the cases and checks
 * the replies, so each can be read on its own. A case depends only on the {@link Random} it is
 * given ({@link #generate}), and that Random only on the run's seed and the case's index
 * ({@link #caseSeed}): a failing case replays from its seed whatever order the threads ran in.
 */
final class FuzzCases {

  /** The token the generated requests mostly carry: the bridge under test must accept it. */
  static final String TOKEN = "fuzz-token";
  /** The bridge's body limit the generated bodies probe (some are made larger, for a 413). */
  static final int MAX_BODY = 8192;

  /**
   * Commands the generator starts from and mutates: harmless ones on {@code fz:} keys, and ones the
   * bridge must refuse (dangerous, connection state) whose effect the canary would show.
   */
  private static final String[][] VOCABULARY = {
      {"GET", "fz:k"}, {"SET", "fz:k", "v"}, {"SET", "fz:k", "v", "EX", "100"}, {"INCR", "fz:n"},
      {"INCRBY", "fz:n", "5"}, {"DEL", "fz:k"}, {"EXISTS", "fz:k"}, {"MGET", "fz:k", "fz:n"},
      {"HSET", "fz:h", "f", "v"}, {"HGETALL", "fz:h"}, {"LPUSH", "fz:l", "a"},
      {"LRANGE", "fz:l", "0", "-1"}, {"SADD", "fz:s", "m"}, {"SMEMBERS", "fz:s"}, {"PING"},
      {"ECHO", "hi"}, {"STRLEN", "fz:k"}, {"TYPE", "fz:k"}, {"EXPIRE", "fz:k", "100"},
      {"TTL", "fz:k"}, {"APPEND", "fz:k", "x"}, {"GETRANGE", "fz:k", "0", "3"},
      {"ZADD", "fz:z", "1", "m"}, {"ZRANGE", "fz:z", "0", "-1", "WITHSCORES"},
      {"BLPOP", "fz:q", "1"}, {"PUBLISH", "fz:ch", "m"}, {"DBSIZE"}, {"KEYS", "fz:*"},
      {"FLUSHALL"}, {"FLUSHDB"}, {"CONFIG", "SET", "maxmemory", "1"}, {"SELECT", "1"},
      {"MULTI"}, {"UNSUBSCRIBE", "fz:ch"}};
  private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS",
      "PATCH", "TRACE", "CONNECT", "get", "FOO", "M-SEARCH"};
  private static final String[] PATHS = {"/", "/pipeline", "/multi-exec", "/health", "/ready",
      "/metrics", "/0/GET/fz:k", "/15/GET/fz:k", "/99/GET/fz:k"};
  private static final String[] HEADER_NAMES = {"Content-Type", "Upstash-Encoding",
      "If-None-Match", "Authorization", "Accept", "Accept-Encoding", "Expect", "X-Forwarded-For",
      "Cookie", "Range", "Transfer-Encoding", "Connection", "Upstash-Sync-Token", "X-Fuzz"};
  private static final String[] HEADER_VALUES = {"application/json", "text/plain", "base64",
      "BASE64", "*", "\"abc\"", "W/\"x\"", "Bearer " + TOKEN, "Bearer nope", "Basic Zm9vOmJhcg==",
      "gzip", "identity", "close", "keep-alive", "100-continue", "bytes=0-1", "", " ",
      "application/json; charset=latin1"};

  private FuzzCases() {}

  /** One generated request: raw bytes for a socket, or a request HttpClient can send. */
  record Case(String kind, byte[] raw, String method, String path, byte[] body,
      List<String> headers) {

    String shown() {
      return raw != null ? kind + " " + RawHttp.shown(raw, 400)
          : kind + " " + method + " " + path + " " + headers + " "
              + RawHttp.shown(body == null ? new byte[0] : body, 300);
    }

    /**
     * A header whose name is not an HTTP token (a bare LF, a control, space or non-ASCII byte in
     * it): robaho's parser closes the connection without a reply (RFC 9110 5.5 lets a recipient
     * reject such a message); the JDK's answers 400.
     */
    boolean hasBadHeaderName() {
      if (raw == null) {
        return false;
      }
      String text = new String(raw, StandardCharsets.ISO_8859_1);
      int start = text.indexOf("\r\n");
      int end = text.indexOf("\r\n\r\n");
      if (start < 0 || end <= start) {
        return false;
      }
      for (String line : text.substring(start + 2, end).split("\r\n", -1)) {
        if (line.isEmpty() || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
          continue;
        }
        int colon = line.indexOf(':');
        String name = colon < 0 ? line : line.substring(0, colon);
        if (name.isEmpty() || !name.chars().allMatch(FuzzCases::isTokenChar)) {
          return true;
        }
      }
      return false;
    }

    /** A CONNECT request: the JDK's parser may close it without a reply. */
    boolean isConnect() {
      return "CONNECT".equals(method) || raw != null
          && new String(raw, StandardCharsets.ISO_8859_1).startsWith("CONNECT ")
          || path != null && path.startsWith("CONNECT ");
    }
  }

  private static boolean isTokenChar(int c) {
    return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
  }

  /**
   * The seed of case {@code index}: scrambled, because java.util.Random's first outputs for
   * neighbouring seeds are alike (every case would start with the same choice).
   */
  static long caseSeed(long seed, int index) {
    long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** One case, of one of eight kinds; it depends on {@code r} alone. */
  static Case generate(Random r) {
    return switch (r.nextInt(8)) {
      case 0 -> rawRequest("json", r, "POST", r.nextBoolean() ? "/" : pick(r, PATHS), mutated(r,
          r.nextBoolean() ? jsonCommand(r) : jsonPipeline(r)), true);
      case 1 -> rawRequest("path", r, pick(r, METHODS), mutated(r, webdisPath(r)), null, false);
      case 2 -> rawRequest("headers", r, pick(r, METHODS), r.nextBoolean() ? webdisPath(r)
          : pick(r, PATHS), r.nextBoolean() ? jsonCommand(r) : randomBytes(r, 64), true);
      case 3 -> rawRequest("jsonish", r, "POST", r.nextInt(3) == 0 ? "/pipeline" : "/",
          jsonish(r), r.nextBoolean());
      case 4 -> new Case("garbage", garbage(r), null, null, null, null);
      case 5 -> clientRequest(r, true);
      case 6 -> clientRequest(r, false);
      default -> rawRequest("body-path", r, r.nextBoolean() ? "POST" : "PUT",
          r.nextBoolean() ? "/" : webdisPath(r), mutated(r, webdisBody(r)), false);
    };
  }

  /** A request with honest framing (Content-Length matches), random extra headers and token. */
  private static Case rawRequest(String kind, Random r, String method, Object target, byte[] body,
      boolean json) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(out, method + " ");
    out.writeBytes(target instanceof byte[] b ? b : target.toString()
        .getBytes(StandardCharsets.ISO_8859_1));
    write(out, r.nextInt(20) == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
    write(out, "Host: localhost\r\n");
    if (r.nextInt(8) != 0) {
      write(out, "Authorization: Bearer " + (r.nextInt(10) == 0 ? "wrong" : TOKEN) + "\r\n");
    }
    if (json && r.nextBoolean()) {
      write(out, "Content-Type: application/json\r\n");
    }
    int extra = kind.equals("headers") ? 1 + r.nextInt(6) : r.nextInt(2);
    for (int i = 0; i < extra; i++) {
      header(out, r);
    }
    boolean chunked = body != null && r.nextInt(10) == 0;
    if (chunked) {
      write(out, "Transfer-Encoding: chunked\r\n\r\n");
      int at = 0;
      while (at < body.length) {
        int n = Math.min(body.length - at, 1 + r.nextInt(64));
        write(out, Integer.toHexString(n) + "\r\n");
        out.write(body, at, n);
        write(out, "\r\n");
        at += n;
      }
      write(out, "0\r\n\r\n");
    } else if (body != null) {
      write(out, "Content-Length: " + body.length + "\r\n\r\n");
      out.writeBytes(body);
    } else {
      write(out, "\r\n");
    }
    return new Case(kind, out.toByteArray(), null, null, null, null);
  }

  /** A random header line; sometimes with a name or value the HTTP grammar forbids. */
  private static void header(ByteArrayOutputStream out, Random r) {
    String name = pick(r, HEADER_NAMES);
    String value = pick(r, HEADER_VALUES);
    switch (r.nextInt(6)) {
      case 0 -> name = new String(randomToken(r), StandardCharsets.ISO_8859_1);
      case 1 -> value = new String(randomBytes(r, 40), StandardCharsets.ISO_8859_1)
          .replace("\r", "").replace("\n", "");
      case 2 -> name = name + (char) (r.nextInt(32) + (r.nextBoolean() ? 0 : 0x7f));
      default -> {
        // a known name with a known value
      }
    }
    if (name.equalsIgnoreCase("Content-Length")
        || name.equalsIgnoreCase("Transfer-Encoding") && !value.equals("gzip")) {
      name = "X-Fuzz"; // framing stays honest: the body length is always what is declared
    }
    write(out, name + ": " + value + "\r\n");
  }

  private static Case clientRequest(Random r, boolean upstash) {
    List<String> headers = new ArrayList<>();
    int n = r.nextInt(3);
    for (int i = 0; i < n; i++) {
      String name = pick(r, HEADER_NAMES);
      if (name.equals("Connection") || name.equals("Expect") || name.equals("Transfer-Encoding")) {
        continue; // HttpClient refuses to set these
      }
      headers.add(name);
      headers.add(pick(r, HEADER_VALUES).strip());
    }
    if (r.nextInt(10) == 0) {
      headers.add("Authorization");
      headers.add("Bearer " + Long.toString(r.nextLong() >>> 1, 36)); // HttpClient: visible ASCII
    }
    if (upstash) {
      String path = r.nextInt(4) == 0 ? pick(r, PATHS) : "/";
      byte[] body = r.nextBoolean() ? mutated(r, jsonCommand(r)) : jsonish(r);
      return new Case("client-json", null, r.nextInt(10) == 0 ? clientMethod(r) : "POST", path,
          body, headers);
    }
    // A valid URI: every byte the generator picked, percent-encoded where it must be.
    StringBuilder path = new StringBuilder();
    for (byte b : webdisPath(r)) {
      int c = b & 0xFF;
      if (c > 0x20 && c < 0x7F && "\"<>\\^`{|}#?%".indexOf(c) < 0) {
        path.append((char) c);
      } else {
        path.append('%').append(String.format("%02X", c));
      }
    }
    if (r.nextInt(4) == 0) {
      path.append(pick(r, new String[] {".json", ".raw", ".txt", ".txt?sep=%FF", "?_token=x",
          "?" + "a=b&".repeat(r.nextInt(20))}));
    }
    String method = r.nextInt(5) == 0 ? clientMethod(r) : "GET";
    byte[] body = method.equals("PUT") || method.equals("POST") ? randomBytes(r, 32) : null;
    return new Case("client-path", null, method, path.toString(), body, headers);
  }

  /** A method HttpClient sends: it refuses CONNECT; any other token works. */
  private static String clientMethod(Random r) {
    String method = pick(r, METHODS);
    return method.equals("CONNECT") ? "PURGE" : method;
  }

  private static String[] command(Random r) {
    String[] c = VOCABULARY[r.nextInt(VOCABULARY.length)].clone();
    if (r.nextInt(4) == 0) {
      c[0] = r.nextBoolean() ? c[0].toLowerCase() : c[0].charAt(0) + c[0].substring(1)
          .toLowerCase();
    }
    return c;
  }

  private static byte[] jsonCommand(Random r) {
    return utf8(jsonArray(command(r), r));
  }

  private static byte[] jsonPipeline(Random r) {
    StringBuilder s = new StringBuilder("[");
    int n = 1 + r.nextInt(4);
    for (int i = 0; i < n; i++) {
      s.append(i == 0 ? "" : ",").append(jsonArray(command(r), r));
    }
    return utf8(s.append(']').toString());
  }

  private static String jsonArray(String[] args, Random r) {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < args.length; i++) {
      s.append(i == 0 ? "" : ",");
      boolean number = args[i].matches("-?[0-9]+") && r.nextBoolean();
      s.append(number ? args[i] : "\"" + args[i] + "\"");
    }
    return s.append(']').toString();
  }

  /** A Webdis path from the vocabulary, with a database prefix or an extension sometimes. */
  private static byte[] webdisPath(Random r) {
    StringBuilder s = new StringBuilder();
    if (r.nextInt(6) == 0) {
      s.append('/').append(r.nextInt(20));
    }
    for (String arg : command(r)) {
      s.append('/').append(arg);
    }
    if (r.nextInt(5) == 0) {
      s.append(pick(r, new String[] {".json", ".raw", ".txt", ".xml", "."}));
    }
    return s.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** A Webdis command as a POST / body: the path without its leading slash. */
  private static byte[] webdisBody(Random r) {
    byte[] path = webdisPath(r);
    return Arrays.copyOfRange(path, 1, path.length);
  }

  /** 1 to 4 random edits: flip, insert, delete, duplicate, or splice in a troublesome token. */
  private static byte[] mutated(Random r, byte[] input) {
    byte[] b = input;
    int edits = 1 + r.nextInt(4);
    for (int e = 0; e < edits; e++) {
      int at = b.length == 0 ? 0 : r.nextInt(b.length + 1);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      switch (r.nextInt(6)) {
        case 0 -> {
          if (at < b.length) {
            b = b.clone();
            b[at] = (byte) r.nextInt(256);
          }
          continue;
        }
        case 1 -> {
          out.write(b, 0, at);
          out.write(r.nextInt(256));
          out.write(b, at, b.length - at);
        }
        case 2 -> {
          int n = Math.min(b.length - at, 1 + r.nextInt(4));
          out.write(b, 0, at);
          out.write(b, at + n, b.length - at - n);
        }
        case 3 -> {
          int n = Math.min(b.length - at, 1 + r.nextInt(16));
          out.write(b, 0, at + n);
          out.write(b, at, b.length - at);
        }
        default -> {
          out.write(b, 0, at);
          out.writeBytes(utf8(pick(r, new String[] {"null", "{", "}", "[", "]", ",", "\"", ":",
              "\\u", "\\uD800", "1e999", "-0", "99999999999999999999", "%", "%zz", "%FF", "%2F",
              "/", "//", "..", "+", " ", "\t", "\u00e9", "\u0000", "true", "[[", "]]", "\\"})));
          out.write(b, at, b.length - at);
        }
      }
      b = out.toByteArray();
    }
    return b.length > MAX_BODY * 2 ? Arrays.copyOf(b, MAX_BODY * 2) : b;
  }

  /** Random text made of JSON's pieces: brackets, strings, numbers, literals, escapes. */
  private static byte[] jsonish(Random r) {
    StringBuilder s = new StringBuilder();
    int n = r.nextInt(30);
    for (int i = 0; i < n; i++) {
      s.append(pick(r, new String[] {"[", "]", "{", "}", ",", ":", "\"GET\"", "\"SET\"",
          "\"fz:k\"", "\"v\"", "1", "-1.5e3", "null", "true", "false", "\"\\u00\"", "\"\\ud800\"",
          "\"\u00ff\"", " ", "\n", "\"PING\"", "\"", "\\"}));
    }
    if (r.nextInt(10) == 0) {
      s.append("x".repeat(r.nextInt(MAX_BODY * 2))); // sometimes over max-body: 413
    }
    return utf8(s.toString());
  }

  /** Bytes that may not be an HTTP request at all, ended so that the server stops waiting. */
  private static byte[] garbage(Random r) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    switch (r.nextInt(4)) {
      case 0 -> out.writeBytes(randomBytes(r, 200));
      case 1 -> write(out, pick(r, METHODS) + " " + new String(randomBytes(r, 40),
          StandardCharsets.ISO_8859_1) + " HTTP/1.1\r\n");
      case 2 -> write(out, "GET /PING " + pick(r, new String[] {"HTTP/9.9", "HTTP/1", "HTTP",
          "FTP/1.0", "", "HTTP/1.1 extra"}) + "\r\n");
      default -> write(out, "GET /PING HTTP/1.1\r\n" + new String(randomBytes(r, 80),
          StandardCharsets.ISO_8859_1));
    }
    write(out, "\r\n\r\n");
    return out.toByteArray();
  }

  private static byte[] randomBytes(Random r, int max) {
    byte[] b = new byte[r.nextInt(max + 1)];
    r.nextBytes(b);
    return b;
  }

  private static byte[] randomToken(Random r) {
    byte[] b = new byte[1 + r.nextInt(12)];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : 'a' + r.nextInt(26));
    }
    return b;
  }

  private static String pick(Random r, String[] options) {
    return options[r.nextInt(options.length)];
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void write(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
  }
}
