package io.github.resilientredis.bridge.http;

import com.sun.net.httpserver.Headers;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * A request's line and headers (RFC 9112), parsed strictly where a lenient reading could be
 * turned against the server: a header folded over lines, a name that is not a token, a control
 * byte in a value, two lengths that disagree, a length beside a transfer coding (request
 * smuggling) or a coding other than chunked are refused with a 400, before any handler runs.
 */
final class RequestHead {

  /** The most a request's line and headers may take together, unless the server is told. */
  static final int DEFAULT_MAX_BYTES = 64 * 1024;
  static final int MAX_HEADERS = 200;

  /** Why a request is refused, and with which status; the connection closes after it. */
  static final class Refusal extends Exception {
    final int status;

    Refusal(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  final String method;
  final URI uri;
  final String protocol;
  final boolean http11;
  final Headers headers;
  /** The declared body length, or -1 when none was declared (then chunked, or no body). */
  final long contentLength;
  final boolean chunked;
  final boolean expectContinue;
  /** Whether the client asked to keep the connection after this request. */
  final boolean keepAlive;

  private RequestHead(String method, URI uri, boolean http11, Headers headers,
      long contentLength, boolean chunked, boolean expectContinue, boolean keepAlive) {
    this.method = method;
    this.uri = uri;
    this.http11 = http11;
    this.protocol = http11 ? "HTTP/1.1" : "HTTP/1.0";
    this.headers = headers;
    this.contentLength = contentLength;
    this.chunked = chunked;
    this.expectContinue = expectContinue;
    this.keepAlive = keepAlive;
  }

  /** The index of the CRLF CRLF that ends a head in {@code bytes[from, to)}, or -1. */
  static int end(byte[] bytes, int from, int to) {
    for (int i = from; i + 3 < to; i++) {
      if (bytes[i + 3] == '\n' && bytes[i + 2] == '\r' && bytes[i + 1] == '\n'
          && bytes[i] == '\r') {
        return i;
      }
    }
    return -1;
  }

  /**
   * The refusal of a head that outgrew {@code limit} bytes: its line (414) or its headers (431);
   * {@code why}, appended as it is, says where the limit comes from, or is empty.
   */
  static Refusal tooLarge(byte[] bytes, int start, int end, int limit, String why) {
    for (int i = start; i + 1 < end; i++) {
      if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
        return new Refusal(431, "ERR the request's line and headers are longer than " + limit
            + " bytes" + why);
      }
    }
    return new Refusal(414, "ERR the request line is longer than " + limit + " bytes" + why);
  }

  /** Parses {@code bytes[start, end)}: the request line and headers without the last CRLF CRLF. */
  static RequestHead parse(byte[] bytes, int start, int end) throws Refusal {
    int lineEnd = lineEnd(bytes, start, end);
    int firstSpace = indexOf(bytes, ' ', start, lineEnd);
    int lastSpace = lastIndexOf(bytes, ' ', start, lineEnd);
    if (firstSpace <= start || lastSpace <= firstSpace + 1) {
      throw bad("ERR not an HTTP request line: '" + text(bytes, start, Math.min(lineEnd,
          start + 200)) + "'");
    }
    for (int i = start; i < firstSpace; i++) {
      if (!isTokenByte(bytes[i])) {
        throw bad("ERR the request method is not a token");
      }
    }
    for (int i = firstSpace + 1; i < lastSpace; i++) {
      if ((bytes[i] & 0xff) <= ' ' || bytes[i] == 0x7f) { // bytes above 0x7f pass, as text
        throw bad("ERR a space or control byte in the request target");
      }
    }
    boolean http11 = isVersion(bytes, lastSpace + 1, lineEnd, '1');
    if (!http11 && !isVersion(bytes, lastSpace + 1, lineEnd, '0')) {
      throw bad("ERR HTTP/1.1 or HTTP/1.0 only, not '" + text(bytes, lastSpace + 1,
          Math.min(lineEnd, lastSpace + 41)) + "'");
    }
    String method = text(bytes, start, firstSpace);
    String target = text(bytes, firstSpace + 1, lastSpace);
    URI uri;
    try {
      uri = new URI(target);
    } catch (URISyntaxException e) {
      throw bad("ERR bad request target: " + e.getReason() + " at index " + e.getIndex());
    }
    Headers headers = new Headers();
    int count = 0;
    for (int at = lineEnd + 2; at < end; ) {
      int next = lineEnd(bytes, at, end);
      if (++count > MAX_HEADERS) {
        throw new Refusal(431, "ERR more than " + MAX_HEADERS + " request headers");
      }
      header(bytes, at, next, headers);
      at = next + 2;
    }
    return framing(method, uri, http11, headers);
  }

  private static void header(byte[] bytes, int from, int to, Headers headers) throws Refusal {
    int colon = indexOf(bytes, ':', from, to);
    if (colon <= from) {
      throw bad(from < to && (bytes[from] == ' ' || bytes[from] == '\t')
          ? "ERR a header folded over lines (obsolete, RFC 9112 5.2)"
          : "ERR a header line without a name: '" + text(bytes, from, Math.min(to, from + 100))
              + "'");
    }
    for (int i = from; i < colon; i++) {
      if (!isTokenByte(bytes[i])) {
        throw bad("ERR a header name that is not a token: '" + text(bytes, from, colon) + "'");
      }
    }
    int valueStart = colon + 1;
    int valueEnd = to;
    while (valueStart < valueEnd && isSpace(bytes[valueStart])) {
      valueStart++;
    }
    while (valueEnd > valueStart && isSpace(bytes[valueEnd - 1])) {
      valueEnd--;
    }
    for (int i = valueStart; i < valueEnd; i++) {
      byte b = bytes[i];
      if (b >= 0 && b < ' ' && b != '\t' || b == 0x7f) {
        throw bad("ERR a control byte in the value of header " + text(bytes, from, colon));
      }
    }
    headers.add(text(bytes, from, colon), text(bytes, valueStart, valueEnd));
  }

  /** How the body is framed and whether the connection is kept, from the parsed headers. */
  private static RequestHead framing(String method, URI uri, boolean http11, Headers headers)
      throws Refusal {
    List<String> lengths = headers.get("Content-Length");
    List<String> codings = headers.get("Transfer-Encoding");
    long length = -1;
    if (lengths != null) {
      for (String value : lengths) {
        for (String one : value.split(",", -1)) {
          long parsed = contentLength(one.strip());
          if (length >= 0 && parsed != length) {
            throw bad("ERR two different Content-Length values");
          }
          length = parsed;
        }
      }
    }
    boolean chunked = false;
    if (codings != null) {
      if (lengths != null) {
        throw bad("ERR both Content-Length and Transfer-Encoding: the body's end is ambiguous");
      }
      String all = String.join(",", codings).strip().toLowerCase(Locale.ROOT);
      if (!http11 || !all.equals("chunked")) {
        throw bad("ERR only 'Transfer-Encoding: chunked' over HTTP/1.1 is served, not '"
            + all + "'");
      }
      chunked = true;
    }
    String expect = headers.getFirst("Expect");
    boolean expectContinue = http11 && expect != null && expect.equalsIgnoreCase("100-continue");
    boolean close = false;
    boolean keepAliveAsked = false; // HTTP/1.0 keeps a connection only when asked to
    List<String> connection = headers.get("Connection");
    if (connection != null) {
      for (String value : connection) {
        for (String option : value.split(",", -1)) {
          close |= option.strip().equalsIgnoreCase("close");
          keepAliveAsked |= option.strip().equalsIgnoreCase("keep-alive");
        }
      }
    }
    boolean keepAlive = !close && (http11 || keepAliveAsked);
    return new RequestHead(method, uri, http11, headers, length, chunked, expectContinue,
        keepAlive);
  }

  private static long contentLength(String value) throws Refusal {
    if (value.isEmpty() || value.length() > 18) {
      throw bad("ERR bad Content-Length: '" + value + "'");
    }
    long length = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        throw bad("ERR bad Content-Length: '" + value + "'");
      }
      length = length * 10 + (c - '0');
    }
    return length;
  }

  private static boolean isVersion(byte[] bytes, int from, int to, char minor) {
    return to - from == 8 && bytes[from] == 'H' && bytes[from + 1] == 'T'
        && bytes[from + 2] == 'T' && bytes[from + 3] == 'P' && bytes[from + 4] == '/'
        && bytes[from + 5] == '1' && bytes[from + 6] == '.' && bytes[from + 7] == minor;
  }

  /** RFC 9110 5.6.2: any visible ASCII but delimiters. */
  static boolean isTokenByte(byte b) {
    return b > ' ' && b < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(b) < 0;
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\t';
  }

  private static int lineEnd(byte[] bytes, int from, int end) {
    for (int i = from; i + 1 < end; i++) {
      if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
        return i;
      }
    }
    return end;
  }

  private static int indexOf(byte[] bytes, char c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static int lastIndexOf(byte[] bytes, char c, int from, int to) {
    for (int i = to - 1; i >= from; i--) {
      if (bytes[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static String text(byte[] bytes, int from, int to) {
    return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
  }

  private static Refusal bad(String message) {
    return new Refusal(400, message);
  }
}
