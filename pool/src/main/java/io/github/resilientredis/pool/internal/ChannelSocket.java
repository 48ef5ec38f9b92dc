package io.github.resilientredis.pool.internal;

import static java.net.StandardSocketOptions.IP_TOS;
import static java.net.StandardSocketOptions.SO_KEEPALIVE;
import static java.net.StandardSocketOptions.SO_LINGER;
import static java.net.StandardSocketOptions.SO_RCVBUF;
import static java.net.StandardSocketOptions.SO_REUSEADDR;
import static java.net.StandardSocketOptions.SO_SNDBUF;
import static java.net.StandardSocketOptions.TCP_NODELAY;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Set;

/**
 * The {@link Socket} that Jedis (and an {@code SSLSocket} layered over it) sees: its streams read
 * and write a {@link TimedChannel} directly, and SO_TIMEOUT becomes that channel's deadline for
 * each read and write, so a read is one blocking system call (see {@link TimedChannel}).
 *
 * <p>It is born connected and is never re-connected or bound. Every method that
 * {@code redis.clients.jedis.Connection} or the JDK's {@code SSLSocket} layering calls is
 * overridden and answered from the channel; the {@code java.net.Socket} this extends stays unused (it never
 * gets a descriptor of its own, since only the methods not overridden here would create one).
 *
 * <p>Like any socket, one thread reads and one writes at a time; {@link #close()} may come from any
 * thread, and wakes a thread blocked in a read or write with an {@link IOException}.
 */
final class ChannelSocket extends Socket {

  private final TimedChannel io;
  /** Kept from connect time: a Socket reports its addresses even after it is closed. */
  private final InetSocketAddress remote;
  private final InetSocketAddress local;
  private final InputStream in = new ChannelStreams.Input(this);
  private final OutputStream out = new ChannelStreams.Output(this);
  private volatile int soTimeoutMillis;
  private volatile boolean inputShut;
  private volatile boolean outputShut;

  private ChannelSocket(TimedChannel io, InetSocketAddress remote, InetSocketAddress local) {
    this.io = io;
    this.remote = remote;
    this.local = local;
  }

  /** Opens a connection with TCP_NODELAY and SO_KEEPALIVE, as Redis clients want. */
  static ChannelSocket connect(InetSocketAddress address, int connectTimeoutMillis)
      throws IOException {
    TimedChannel io = TimedChannel.connect(address, connectTimeoutMillis);
    try {
      SocketChannel channel = io.channel();
      channel.setOption(TCP_NODELAY, true);
      channel.setOption(SO_KEEPALIVE, true);
      return new ChannelSocket(io, (InetSocketAddress) channel.getRemoteAddress(),
          (InetSocketAddress) channel.getLocalAddress());
    } catch (IOException | RuntimeException e) {
      io.close();
      throw e;
    }
  }

  /**
   * One non-blocking read into {@code into}: the bytes read, 0 when none are waiting, -1 at the end
   * of the stream. For the pool's idle check only; never while a borrower uses the streams.
   */
  int readNow(ByteBuffer into) throws IOException {
    return io.readNow(into);
  }

  boolean isOpen() {
    return io.isOpen();
  }

  /** For the streams: the channel, and SO_TIMEOUT as it is when each read or write starts. */
  TimedChannel io() {
    return io;
  }

  int soTimeoutMillis() {
    return soTimeoutMillis;
  }

  @Override
  public InputStream getInputStream() throws IOException {
    checkOpen();
    if (inputShut) {
      throw new SocketException("Socket input is shutdown");
    }
    return in;
  }

  @Override
  public OutputStream getOutputStream() throws IOException {
    checkOpen();
    if (outputShut) {
      throw new SocketException("Socket output is shutdown");
    }
    return out;
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    checkOpen();
    if (timeout < 0) {
      throw new IllegalArgumentException("timeout < 0");
    }
    soTimeoutMillis = timeout;
  }

  @Override
  public int getSoTimeout() throws SocketException {
    checkOpen();
    return soTimeoutMillis;
  }

  @Override
  public void close() throws IOException {
    io.close();
  }

  @Override
  public boolean isClosed() {
    return !io.isOpen();
  }

  @Override
  public boolean isConnected() {
    return true; // born connected; like any Socket, closing does not clear this
  }

  @Override
  public boolean isBound() {
    return true;
  }

  @Override
  public void shutdownInput() throws IOException {
    checkOpen();
    io.channel().shutdownInput();
    inputShut = true;
  }

  @Override
  public void shutdownOutput() throws IOException {
    checkOpen();
    io.channel().shutdownOutput();
    outputShut = true;
  }

  @Override
  public boolean isInputShutdown() {
    return inputShut;
  }

  @Override
  public boolean isOutputShutdown() {
    return outputShut;
  }

  @Override
  public void connect(SocketAddress endpoint, int timeout) throws IOException {
    throw new SocketException("Already connected");
  }

  @Override
  public void bind(SocketAddress bindpoint) throws IOException {
    throw new SocketException("Already bound");
  }

  @Override
  public InetAddress getInetAddress() {
    return remote.getAddress();
  }

  @Override
  public int getPort() {
    return remote.getPort();
  }

  @Override
  public InetAddress getLocalAddress() {
    return local.getAddress();
  }

  @Override
  public int getLocalPort() {
    return local.getPort();
  }

  @Override
  public SocketAddress getRemoteSocketAddress() {
    return remote;
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return local;
  }

  // Options go to the channel. SO_TIMEOUT is not a channel option: it is soTimeoutMillis above.

  @Override
  public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
    checkOpen();
    io.channel().setOption(name, value);
    return this;
  }

  @Override
  public <T> T getOption(SocketOption<T> name) throws IOException {
    checkOpen();
    return io.channel().getOption(name);
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return io.channel().supportedOptions();
  }

  // Typed options, as java.net.Socket offers them (SSLSocket forwards its own calls here).
  // @formatter:off
  @Override public void setTcpNoDelay(boolean on) throws SocketException { set(TCP_NODELAY, on); }
  @Override public boolean getTcpNoDelay() throws SocketException { return get(TCP_NODELAY); }
  @Override public void setKeepAlive(boolean on) throws SocketException { set(SO_KEEPALIVE, on); }
  @Override public boolean getKeepAlive() throws SocketException { return get(SO_KEEPALIVE); }
  @Override public int getSoLinger() throws SocketException { return get(SO_LINGER); }
  @Override public void setReuseAddress(boolean on) throws SocketException {
    set(SO_REUSEADDR, on); }
  @Override public boolean getReuseAddress() throws SocketException { return get(SO_REUSEADDR); }
  @Override public void setSendBufferSize(int size) throws SocketException { set(SO_SNDBUF, size); }
  @Override public int getSendBufferSize() throws SocketException { return get(SO_SNDBUF); }
  @Override public void setReceiveBufferSize(int size) throws SocketException {
    set(SO_RCVBUF, size); }
  @Override public int getReceiveBufferSize() throws SocketException { return get(SO_RCVBUF); }
  @Override public void setTrafficClass(int tc) throws SocketException { set(IP_TOS, tc); }
  @Override public int getTrafficClass() throws SocketException { return get(IP_TOS); }
  @Override public boolean getOOBInline() { return false; }
  // @formatter:on

  @Override
  public void setSoLinger(boolean on, int linger) throws SocketException {
    set(SO_LINGER, on ? Math.min(linger, 65535) : -1);
  }

  /** Not supported by a SocketChannel either. */
  @Override
  public void setOOBInline(boolean on) throws SocketException {
    throw new SocketException("OOB inline is not supported");
  }

  @Override
  public void sendUrgentData(int data) throws IOException {
    throw new SocketException("Urgent data is not supported");
  }

  @Override
  public String toString() {
    return "ChannelSocket[addr=" + remote.getAddress() + ",port=" + remote.getPort()
        + ",localport=" + local.getPort() + (isClosed() ? ",closed" : "") + "]";
  }

  private <T> void set(SocketOption<T> name, T value) throws SocketException {
    try {
      setOption(name, value);
    } catch (SocketException e) {
      throw e;
    } catch (IOException e) {
      throw asSocketException(e);
    }
  }

  private <T> T get(SocketOption<T> name) throws SocketException {
    try {
      return getOption(name);
    } catch (SocketException e) {
      throw e;
    } catch (IOException e) {
      throw asSocketException(e);
    }
  }

  private void checkOpen() throws SocketException {
    if (!io.isOpen()) {
      throw new SocketException("Socket is closed");
    }
  }

  private static SocketException asSocketException(IOException e) {
    SocketException wrapped = new SocketException(e.getMessage());
    wrapped.initCause(e);
    return wrapped;
  }
}
