package io.github.resilientredis.bridge.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A reply's head and body on their way to the socket, buffered so that a whole small reply (head
 * included) leaves in one {@code write} when the exchange closes, and framed as
 * {@code sendResponseHeaders} decided: a declared length, chunks, until the connection closes, or
 * no body at all. A write too large for the buffer goes out with what is buffered in one gathering
 * write, not copied.
 */
final class BodyOutput extends OutputStream {

  enum Framing { NONE, FIXED, CHUNKED, UNTIL_CLOSE }

  /** Bytes kept in front of a chunk's data for its size line ("ffffffff\r\n"). */
  private static final int SIZE_LINE = 10;

  private final Connection connection;
  private final Framing framing;
  /** A HEAD request's body: written by the handler, sent nowhere. */
  private final boolean discard;
  private final long declared;
  private final byte[] buffer;
  private int count;
  private long remaining;
  /** Where the open chunk's data starts, after its {@link #SIZE_LINE}; -1: no chunk open. */
  private int chunkStart = -1;
  private boolean closed;
  private boolean complete;
  private boolean endedElsewhere;

  BodyOutput(Connection connection, Framing framing, long declared, boolean discard) {
    this.connection = connection;
    this.framing = framing;
    this.declared = declared;
    this.remaining = declared;
    this.discard = discard;
    this.buffer = connection.outputBuffer();
  }

  /** The reply's status line and headers, ahead of its body (buffered like it). */
  void head(byte[] head) throws IOException {
    appendRaw(head, 0, head.length);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
    if (closed) {
      throw new IOException("the response body is closed");
    }
    if (length == 0 || discard) {
      return;
    }
    switch (framing) {
      case NONE -> throw new IOException("this reply has no body (sendResponseHeaders was given"
          + " -1, or its status has none)");
      case FIXED -> {
        if (length > remaining) {
          throw new IOException("more bytes than the " + declared + " declared");
        }
        remaining -= length;
        appendRaw(bytes, offset, length);
      }
      case UNTIL_CLOSE -> appendRaw(bytes, offset, length);
      case CHUNKED -> appendChunk(bytes, offset, length);
      default -> throw new IllegalStateException(framing.name());
    }
  }

  private void appendRaw(byte[] bytes, int offset, int length) throws IOException {
    if (length <= buffer.length - count) {
      System.arraycopy(bytes, offset, buffer, count, length);
      count += length;
    } else {
      send(ByteBuffer.wrap(bytes, offset, length));
    }
  }

  private void appendChunk(byte[] bytes, int offset, int length) throws IOException {
    if (chunkStart < 0) {
      if (buffer.length - count < SIZE_LINE + 3) {
        flushBuffer();
      }
      chunkStart = count + SIZE_LINE;
      count = chunkStart;
    }
    if (length <= buffer.length - count - 2) { // 2 for the chunk's closing CRLF
      System.arraycopy(bytes, offset, buffer, count, length);
      count += length;
      return;
    }
    closeChunk();
    byte[] sizeLine = sizeLine(length);
    send(ByteBuffer.wrap(sizeLine), ByteBuffer.wrap(bytes, offset, length),
        ByteBuffer.wrap(HttpFormat.CRLF));
  }

  /** Writes the open chunk's size line in front of its data and its CRLF after it. */
  private void closeChunk() {
    if (chunkStart < 0) {
      return;
    }
    int size = count - chunkStart;
    int lineStart = chunkStart - SIZE_LINE;
    if (size == 0) {
      count = lineStart;
    } else {
      byte[] line = sizeLine(size);
      System.arraycopy(buffer, chunkStart, buffer, lineStart + line.length, size);
      System.arraycopy(line, 0, buffer, lineStart, line.length);
      count = lineStart + line.length + size;
      buffer[count++] = '\r';
      buffer[count++] = '\n';
    }
    chunkStart = -1;
  }

  private static byte[] sizeLine(int size) {
    return (Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
  }

  /** What is buffered, then {@code more}, in one gathering write. */
  private void send(ByteBuffer... more) throws IOException {
    ByteBuffer[] all = new ByteBuffer[more.length + 1];
    all[0] = ByteBuffer.wrap(buffer, 0, count);
    System.arraycopy(more, 0, all, 1, more.length);
    count = 0;
    connection.write(all, connection.writeDeadline());
  }

  @Override
  public void flush() throws IOException {
    if (closed) {
      return;
    }
    closeChunk();
    flushBuffer();
  }

  private void flushBuffer() throws IOException {
    if (count > 0) {
      int length = count;
      count = 0;
      connection.write(buffer, 0, length, connection.writeDeadline());
    }
  }

  /**
   * Ends the reply: the last chunk of a chunked one (unless it went out elsewhere), and
   * everything buffered. A declared length not reached leaves the reply incomplete: IOException,
   * and the connection closes.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (framing == Framing.CHUNKED) {
      closeChunk();
      if (!endedElsewhere) {
        if (buffer.length - count < HttpFormat.LAST_CHUNK.length) {
          flushBuffer();
        }
        System.arraycopy(HttpFormat.LAST_CHUNK, 0, buffer, count, HttpFormat.LAST_CHUNK.length);
        count += HttpFormat.LAST_CHUNK.length;
      }
    }
    flushBuffer();
    if (framing == Framing.FIXED && remaining > 0 && !discard) {
      throw new IOException("the reply ended " + remaining + " bytes short of the " + declared
          + " declared");
    }
    complete = framing != Framing.UNTIL_CLOSE;
  }

  /** Whether the reply went out whole and framed, so that the connection can serve another. */
  boolean complete() {
    return complete;
  }

  boolean closed() {
    return closed;
  }

  /** See {@link HeldConnection#replyEndedElsewhere()}. */
  void endedElsewhere() {
    endedElsewhere = true;
  }
}
