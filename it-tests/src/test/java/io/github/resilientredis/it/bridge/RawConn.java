package io.github.resilientredis.it.bridge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.x connection over a plain socket, for the framing a real client hides: the exact
 * bytes of a reply (chunk sizes included), replies read one after another on one connection, and
 * whether the server closed it. Every read waits at most the socket timeout.
 */
final class RawConn implements AutoCloseable {

  /** SO_TIMEOUT of every raw connection: a server that neither answers nor closes fails fast. */
  static final int TIMEOUT_MILLIS = 5000;

  /**
   * One reply.
   *
   * @param headers lower-cased names, first value of each
   * @param headerLines the header lines as sent, in order
   * @param wire the body's bytes as framed on the wire (chunk size lines included)
   */
  record Reply(String statusLine, int status, Map<String, String> headers,
      List<String> headerLines, byte[] body, byte[] wire) {

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String wireText() {
      return new String(wire, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
      return statusLine + " " + headerLines + " " + wireText();
    }
  }

  private final Socket socket;
  private final InputStream in;

  RawConn(int port) throws IOException {
    this(port, -1);
  }

  /** {@code receiveBuffer} > 0: a small receive buffer, set before connecting. */
  RawConn(int port, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MILLIS);
    socket.setSoTimeout(TIMEOUT_MILLIS);
    socket.setTcpNoDelay(true);
    in = socket.getInputStream();
  }

  Socket socket() {
    return socket;
  }

  RawConn send(String request) throws IOException {
    return send(request.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawConn send(byte[] request) throws IOException {
    socket.getOutputStream().write(request);
    socket.getOutputStream().flush();
    return this;
  }

  /** Sends, ignoring a server that closed (or reset) while the bytes were still going out. */
  RawConn sendQuietly(byte[] request) {
    try {
      send(request);
    } catch (IOException closedEarly) {
      // the reply, or the close, tells what happened
    }
    return this;
  }

  /** The exact next {@code n} bytes, as ISO-8859-1 text. */
  String readExactly(int n) throws IOException {
    byte[] bytes = in.readNBytes(n);
    if (bytes.length < n) {
      throw new IOException("the connection closed after " + bytes.length + " of " + n
          + " bytes: '" + new String(bytes, StandardCharsets.ISO_8859_1) + "'");
    }
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  Reply reply() throws IOException {
    return reply(false);
  }

  /** Reads one reply; {@code head}: the reply to a HEAD request, which has no body. */
  Reply reply(boolean head) throws IOException {
    return reply(head, true);
  }

  /** The status line and headers of a reply whose body the test reads itself. */
  Reply replyHead() throws IOException {
    return reply(true, false);
  }

  private Reply reply(boolean head, boolean withBody) throws IOException {
    String statusLine = line();
    if (statusLine == null) {
      throw new IOException("the connection closed before a reply");
    }
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1.x status line: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    List<String> lines = new ArrayList<>();
    for (String h = line(); h != null && !h.isEmpty(); h = line()) {
      lines.add(h);
      int colon = h.indexOf(':');
      headers.putIfAbsent(h.substring(0, Math.max(colon, 0)).toLowerCase(Locale.ROOT),
          h.substring(colon + 1).strip());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    String length = headers.get("content-length");
    if (!withBody || head || status / 100 == 1 || status == 204 || status == 304) {
      // no body
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      while (true) {
        String size = line();
        if (size == null) {
          throw new IOException("the connection closed inside a chunked body: " + wire);
        }
        wire.writeBytes((size + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        int n = Integer.parseInt(size.split(";", 2)[0].strip(), 16);
        String data = readExactly(n + 2);
        wire.writeBytes(data.getBytes(StandardCharsets.ISO_8859_1));
        if (n == 0) {
          break;
        }
        body.writeBytes(data.substring(0, n).getBytes(StandardCharsets.ISO_8859_1));
      }
    } else if (length != null) {
      byte[] bytes = in.readNBytes(Integer.parseInt(length));
      body.writeBytes(bytes);
      wire.writeBytes(bytes);
    } else {
      byte[] bytes = untilClose();
      body.writeBytes(bytes);
      wire.writeBytes(bytes);
    }
    return new Reply(statusLine, status, headers, lines, body.toByteArray(),
        wire.toByteArray());
  }

  /**
   * How many ms the server took to close the connection, with no byte before the close (a reset
   * counts as a close); fails when bytes come or the socket timeout passes first.
   */
  long awaitClose() throws IOException {
    long start = System.nanoTime();
    try {
      int b = in.read();
      if (b >= 0) {
        byte[] more = in.readNBytes(Math.min(in.available(), 300));
        throw new AssertionError("expected the connection closed, got '" + (char) b
            + new String(more, StandardCharsets.ISO_8859_1) + "'");
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the connection still open after " + TIMEOUT_MILLIS + " ms");
    } catch (SocketException reset) {
      // closed with bytes of ours unread: a reset
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** True when nothing arrives (nor a close) for {@code millis}. */
  boolean silentFor(int millis) throws IOException {
    socket.setSoTimeout(millis);
    try {
      in.read(); // a byte, or the close
      return false;
    } catch (SocketTimeoutException e) {
      return true;
    } finally {
      socket.setSoTimeout(TIMEOUT_MILLIS);
    }
  }

  private byte[] untilClose() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      byte[] buffer = new byte[8192];
      for (int r = in.read(buffer); r >= 0; r = in.read(buffer)) {
        out.write(buffer, 0, r);
      }
    } catch (SocketTimeoutException e) {
      throw new IOException("a body to be ended by the close, but no close; got: " + out);
    }
    return out.toByteArray();
  }

  /** A line without its CRLF, or null at the end of the stream. */
  private String line() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int b = in.read(); b >= 0; b = in.read()) {
      if (b == '\n') {
        byte[] bytes = out.toByteArray();
        if (bytes.length == 0 || bytes[bytes.length - 1] != '\r') {
          throw new IOException("a line not ended by CRLF: '" + out + "'");
        }
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
      }
      out.write(b);
    }
    if (out.size() > 0) {
      throw new IOException("the connection closed inside a line: '" + out + "'");
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
