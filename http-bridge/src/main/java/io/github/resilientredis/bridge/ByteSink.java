package io.github.resilientredis.bridge;

import java.io.Writer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer that is also a {@link Writer} encoding UTF-8, so a reply is built once in
 * memory (for its Content-Length and ETag) without a String or a second copy. One per request
 * thread, reused: see {@link #forThisThread()}.
 */
final class ByteSink extends Writer {

  private static final int INITIAL = 4096;
  /** A buffer that grew beyond this for one large reply is dropped afterwards. */
  private static final int KEEP_AT_MOST = 1 << 20;
  private static final ThreadLocal<ByteSink> PER_THREAD = ThreadLocal.withInitial(ByteSink::new);

  private byte[] buf;
  private int len;
  private char highSurrogate;

  ByteSink() {
    this(INITIAL);
  }

  /** A sink that starts at {@code initial} bytes: for the many small events of held requests. */
  ByteSink(int initial) {
    buf = new byte[initial];
  }

  /** This thread's sink, emptied. */
  static ByteSink forThisThread() {
    ByteSink sink = PER_THREAD.get();
    sink.reset();
    return sink;
  }

  void reset() {
    if (buf.length > KEEP_AT_MOST) {
      buf = new byte[INITIAL];
    }
    len = 0;
    highSurrogate = 0;
  }

  int length() {
    return len;
  }

  byte[] array() {
    return buf;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  String asString() {
    return new String(buf, 0, len, StandardCharsets.UTF_8);
  }

  void writeByte(int b) {
    ensure(1);
    buf[len++] = (byte) b;
  }

  void writeBytes(byte[] bytes) {
    writeBytes(bytes, 0, bytes.length);
  }

  void writeBytes(byte[] bytes, int off, int count) {
    ensure(count);
    System.arraycopy(bytes, off, buf, len, count);
    len += count;
  }

  /** Writes text known to be ASCII (protocol words, numbers). */
  void writeAscii(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[len++] = (byte) s.charAt(i);
    }
  }

  void writeDecimal(long value) {
    writeAscii(Long.toString(value));
  }

  @Override
  public void write(int c) {
    writeChar((char) c);
  }

  @Override
  public void write(char[] chars, int off, int count) {
    encode(CharBuffer.wrap(chars), off, count);
  }

  @Override
  public void write(String s, int off, int count) {
    encode(s, off, count);
  }

  /** ASCII is copied byte for byte; anything else, or after a high surrogate, is encoded. */
  private void encode(CharSequence s, int off, int count) {
    ensure(count);
    for (int i = off, end = off + count; i < end; i++) {
      char c = s.charAt(i);
      if (c < 0x80 && highSurrogate == 0) {
        ensure(1);
        buf[len++] = (byte) c;
      } else {
        writeChar(c);
      }
    }
  }

  @Override
  public void write(String s) {
    write(s, 0, s.length());
  }

  private void writeChar(char c) {
    if (highSurrogate != 0) {
      char high = highSurrogate;
      highSurrogate = 0;
      if (Character.isLowSurrogate(c)) {
        int cp = Character.toCodePoint(high, c);
        ensure(4);
        buf[len++] = (byte) (0xF0 | (cp >> 18));
        buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        buf[len++] = (byte) (0x80 | (cp & 0x3F));
        return;
      }
      writeByte('?'); // a lone high surrogate cannot be encoded
    }
    if (c < 0x80) {
      writeByte(c);
    } else if (c < 0x800) {
      ensure(2);
      buf[len++] = (byte) (0xC0 | (c >> 6));
      buf[len++] = (byte) (0x80 | (c & 0x3F));
    } else if (Character.isHighSurrogate(c)) {
      highSurrogate = c;
    } else if (Character.isLowSurrogate(c)) {
      writeByte('?');
    } else {
      ensure(3);
      buf[len++] = (byte) (0xE0 | (c >> 12));
      buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3F));
      buf[len++] = (byte) (0x80 | (c & 0x3F));
    }
  }

  private void ensure(int more) {
    int needed = len + more;
    if (needed < 0) {
      throw new OutOfMemoryError("reply larger than 2 GiB");
    }
    if (needed > buf.length) {
      int grown = Math.max(needed, buf.length < (1 << 30) ? buf.length * 2 : Integer.MAX_VALUE - 8);
      buf = Arrays.copyOf(buf, grown);
    }
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    if (highSurrogate != 0) {
      highSurrogate = 0;
      writeByte('?');
    }
  }
}
