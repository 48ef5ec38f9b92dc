package io.github.resilientredis.pool.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/** The streams of a {@link ChannelSocket}: each read or write goes straight to its channel. */
final class ChannelStreams {

  private ChannelStreams() {
  }

  /** Unbuffered: Jedis's RedisInputStream (and TLS's record layer) buffer above it. */
  static final class Input extends InputStream {
    private final ChannelSocket socket;
    /** Jedis reads into the same array every time: wrap it once, not per read. */
    private byte[] wrapped;
    private ByteBuffer buffer;

    Input(ChannelSocket socket) {
      this.socket = socket;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    /**
     * Blocks until at least one byte came, for at most SO_TIMEOUT.
     *
     * @throws java.net.SocketTimeoutException "Read timed out", as the JDK's socket says
     */
    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      return socket.io().read(view(b, off, len), socket.soTimeoutMillis());
    }

    private ByteBuffer view(byte[] b, int off, int len) {
      if (b != wrapped) {
        wrapped = b;
        buffer = ByteBuffer.wrap(b);
      }
      buffer.clear().position(off).limit(off + len);
      return buffer;
    }

    @Override
    public void close() throws IOException {
      socket.close(); // as a Socket's stream does
    }
  }

  /** Unbuffered: Jedis's RedisOutputStream buffers above it and writes whole buffers. */
  static final class Output extends OutputStream {
    private final ChannelSocket socket;

    Output(ChannelSocket socket) {
      this.socket = socket;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    /** Returns once all of it is written; each 256 KiB chunk may wait at most SO_TIMEOUT. */
    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      socket.io().write(ByteBuffer.wrap(b, off, len), socket.soTimeoutMillis());
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
