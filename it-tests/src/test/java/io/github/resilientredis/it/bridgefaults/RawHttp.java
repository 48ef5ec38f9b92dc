package io.github.resilientredis.it.bridgefaults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for requests that {@link java.net.http.HttpClient} refuses to send:
 * bytes that are not a valid URI, invalid UTF-8, made-up methods, lying headers. Reads one reply
 * (Content-Length, chunked, or up to the close) with a deadline. Loopback only.
 */
final class RawHttp {

  private static final int MAX_HEAD = 64 * 1024;
  private static final int MAX_BODY = 4 * 1024 * 1024;

  /**
   * One reply, or none.
   *
   * @param status the status code, or -1 when the server closed the connection without a reply
   * @param headers lower-cased names, first value of each
   * @param millis from the first byte sent to the end of the reply (or the close)
   */
  record Reply(int status, Map<String, String> headers, byte[] body, long millis) {

    boolean closedWithoutReply() {
      return status < 0;
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return status < 0 ? "(closed without a reply after " + millis + " ms)"
          : status + " " + headers + " " + RawHttp.shown(body, 300) + " in " + millis + " ms";
    }
  }

  /** The reply did not arrive within the deadline (the server neither answered nor closed). */
  static final class NoReply extends IOException {
    private static final long serialVersionUID = 1L;

    NoReply(String message) {
      super(message);
    }
  }

  private RawHttp() {}

  /** Opens a connection to 127.0.0.1:port, sends {@code request}, reads one reply. */
  static Reply exchange(int port, byte[] request, Duration deadline) throws IOException {
    try (Socket socket = connect(port, deadline)) {
      long start = System.nanoTime();
      send(socket, request);
      boolean head = request.length > 5
          && new String(request, 0, 5, StandardCharsets.ISO_8859_1).equals("HEAD ");
      return read(socket, start, deadline, head);
    }
  }

  static Reply exchange(int port, String request, Duration deadline) throws IOException {
    return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), deadline);
  }

  static Socket connect(int port, Duration readTimeout) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout((int) Math.max(1, readTimeout.toMillis()));
    socket.setTcpNoDelay(true);
    return socket;
  }

  /**
   * Sends the request; a server that closes the connection while it is still being written (it
   * refused the request early, e.g. a body over max-body) is not an error here: its reply, if any,
   * is read next.
   */
  static void send(Socket socket, byte[] request) {
    try {
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
    } catch (IOException closedEarly) {
      // The reply (or the close) tells what happened.
    }
  }

  /**
   * Reads one reply. Every read is bounded by the socket timeout and the whole reply by
   * {@code deadline} from {@code startNanos}: past it, {@link NoReply}.
   */
  static Reply read(Socket socket, long startNanos, Duration deadline) throws IOException {
    return read(socket, startNanos, deadline, false);
  }

  /** {@code head}: the reply to a HEAD request, which has headers only. */
  static Reply read(Socket socket, long startNanos, Duration deadline, boolean head)
      throws IOException {
    InputStream in = socket.getInputStream();
    long end = startNanos + deadline.toNanos();
    try {
      String statusLine;
      try {
        statusLine = line(in, end);
      } catch (java.net.SocketException reset) {
        statusLine = null; // reset before any reply: closed, with unread request bytes
      }
      if (statusLine == null) {
        return new Reply(-1, Map.of(), new byte[0], millisSince(startNanos));
      }
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
        throw new IOException("not an HTTP status line: " + statusLine);
      }
      int status = Integer.parseInt(parts[1]);
      Map<String, String> headers = new HashMap<>();
      for (String h = line(in, end); h != null && !h.isEmpty(); h = line(in, end)) {
        int colon = h.indexOf(':');
        if (colon > 0) {
          headers.putIfAbsent(h.substring(0, colon).strip().toLowerCase(Locale.ROOT),
              h.substring(colon + 1).strip());
        }
      }
      byte[] body;
      String length = headers.get("content-length");
      if (head || status / 100 == 1 || status == 204 || status == 304) {
        body = new byte[0];
      } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        body = chunked(in, end);
      } else if (length != null) {
        body = exactly(in, Integer.parseInt(length.strip()), end);
      } else {
        body = untilClose(in, end);
      }
      return new Reply(status, headers, body, millisSince(startNanos));
    } catch (SocketTimeoutException e) {
      throw new NoReply("no complete reply within " + deadline.toMillis() + " ms");
    }
  }

  private static byte[] chunked(InputStream in, long end) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      String size = line(in, end);
      if (size == null) {
        throw new IOException("connection closed inside a chunked body");
      }
      int semicolon = size.indexOf(';');
      int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
      if (n == 0) {
        for (String trailer = line(in, end); trailer != null && !trailer.isEmpty();
            trailer = line(in, end)) {
          // trailers are dropped
        }
        return out.toByteArray();
      }
      if (out.size() + n > MAX_BODY) {
        throw new IOException("chunked body larger than " + MAX_BODY);
      }
      out.write(exactly(in, n, end));
      line(in, end); // the CRLF after the chunk
    }
  }

  private static byte[] exactly(InputStream in, int n, long end) throws IOException {
    if (n > MAX_BODY) {
      throw new IOException("Content-Length " + n + " larger than " + MAX_BODY);
    }
    byte[] body = new byte[n];
    int read = 0;
    while (read < n) {
      checkDeadline(end);
      int r = in.read(body, read, n - read);
      if (r < 0) {
        throw new IOException("connection closed after " + read + " of " + n + " body bytes");
      }
      read += r;
    }
    return body;
  }

  private static byte[] untilClose(InputStream in, long end) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    for (int r = in.read(buffer); r >= 0; r = in.read(buffer)) {
      out.write(buffer, 0, r);
      checkDeadline(end);
      if (out.size() > MAX_BODY) {
        throw new IOException("body larger than " + MAX_BODY);
      }
    }
    return out.toByteArray();
  }

  /** A line without its CRLF, or null at the end of the stream before any byte of it. */
  private static String line(InputStream in, long end) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      checkDeadline(end);
      int b = in.read();
      if (b < 0) {
        if (out.size() == 0) {
          return null;
        }
        throw new IOException("connection closed inside a line: " + out);
      }
      if (b == '\n') {
        byte[] bytes = out.toByteArray();
        int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1
            : bytes.length;
        return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
      }
      out.write(b);
      if (out.size() > MAX_HEAD) {
        throw new IOException("header line longer than " + MAX_HEAD);
      }
    }
  }

  private static void checkDeadline(long end) throws NoReply {
    if (System.nanoTime() - end > 0) {
      throw new NoReply("reply not complete by the deadline");
    }
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  /** Bytes for a log line: printable ASCII as is, the rest as \xNN, cut at {@code max}. */
  static String shown(byte[] bytes, int max) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < bytes.length && i < max; i++) {
      int b = bytes[i] & 0xFF;
      if (b >= 0x20 && b < 0x7F && b != '\\') {
        s.append((char) b);
      } else if (b == '\r') {
        s.append("\\r");
      } else if (b == '\n') {
        s.append("\\n");
      } else {
        s.append(String.format("\\x%02x", b));
      }
    }
    if (bytes.length > max) {
      s.append("...(").append(bytes.length).append(" bytes)");
    }
    return s.toString();
  }
}
