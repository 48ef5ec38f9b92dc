package io.github.resilientredis.bridge.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request's body as the handler reads it: as many bytes as Content-Length declared, or the
 * chunks of a chunked body (extensions and trailers read and dropped, within limits), or nothing.
 * It ends at the body's end, never in the next request; reads wait until the request's
 * request-read-timeout. A client that asked {@code Expect: 100-continue} is told to go on at the
 * first read, so a request refused before its body is read never makes it send the body.
 */
final class BodyInput extends InputStream {

  private static final int MAX_LINE = 4096;
  private static final int MAX_TRAILERS = 64 * 1024;

  private final Exchange exchange;
  private final Connection connection;
  private final boolean chunked;
  private final long declared;
  /** Bytes left: of the whole body (Content-Length), or of the current chunk. */
  private long remaining;
  private long read;
  private boolean finished;

  BodyInput(Exchange exchange, Connection connection, RequestHead head) {
    this.exchange = exchange;
    this.connection = connection;
    this.chunked = head.chunked;
    this.declared = head.contentLength;
    this.remaining = chunked ? 0 : Math.max(0, head.contentLength);
    this.finished = !chunked && remaining == 0;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] into, int offset, int length) throws IOException {
    java.util.Objects.checkFromIndexSize(offset, length, into.length);
    if (finished) {
      return -1;
    }
    if (length == 0) {
      return 0;
    }
    exchange.continueIfAsked();
    if (remaining == 0 && (!chunked || !nextChunk())) {
      finished = true;
      return -1;
    }
    int n = connection.readInto(into, offset, (int) Math.min(length, remaining),
        exchange.requestDeadline);
    if (n < 0) {
      throw new EOFException(chunked ? "the connection closed in the middle of a chunk"
          : "the request body ended after " + read + " of " + declared + " bytes");
    }
    remaining -= n;
    read += n;
    if (remaining == 0) {
      if (chunked) {
        expectLineEnd();
      } else {
        finished = true;
      }
    }
    return n;
  }

  @Override
  public int available() {
    return finished ? 0 : (int) Math.min(remaining, connection.end - connection.start);
  }

  /**
   * Reads and drops the rest of the body, at most {@code limit} bytes: true when it ended, so the
   * connection can serve the next request.
   */
  boolean drain(int limit) {
    byte[] sink = new byte[Math.min(limit, 8192)];
    long total = 0;
    try {
      while (!finished && total <= limit) {
        int n = read(sink, 0, sink.length);
        if (n > 0) {
          total += n;
        }
      }
    } catch (IOException e) {
      return false;
    }
    return finished;
  }

  boolean finished() {
    return finished;
  }

  /** Reads the next chunk's size line; false at the last chunk, whose trailers it drops. */
  private boolean nextChunk() throws IOException {
    String line = line();
    int end = line.indexOf(';');
    String hex = (end < 0 ? line : line.substring(0, end)).strip();
    if (hex.isEmpty() || hex.length() > 15) {
      throw new IOException("bad chunk size line: '" + shorten(line) + "'");
    }
    long size;
    try {
      size = Long.parseLong(hex, 16);
    } catch (NumberFormatException e) {
      throw new IOException("bad chunk size line: '" + shorten(line) + "'");
    }
    if (size < 0) {
      throw new IOException("bad chunk size line: '" + shorten(line) + "'");
    }
    if (size == 0) {
      int trailers = 0;
      for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
        trailers += trailer.length();
        if (trailers > MAX_TRAILERS) {
          throw new IOException("chunked trailers larger than " + MAX_TRAILERS + " bytes");
        }
      }
      return false;
    }
    remaining = size;
    return true;
  }

  private void expectLineEnd() throws IOException {
    if (connection.readByte(exchange.requestDeadline) != '\r'
        || connection.readByte(exchange.requestDeadline) != '\n') {
      throw new IOException("a chunk's data is not followed by CRLF");
    }
  }

  /** One line of the chunked framing, without its CRLF. */
  private String line() throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = connection.readByte(exchange.requestDeadline);
      if (b == '\r') {
        if (connection.readByte(exchange.requestDeadline) != '\n') {
          throw new IOException("a bare CR in the chunked framing");
        }
        return line.toString();
      }
      if (b == '\n' || line.length() >= MAX_LINE) {
        throw new IOException("bad line in the chunked framing");
      }
      line.append((char) b);
    }
  }

  private static String shorten(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}
