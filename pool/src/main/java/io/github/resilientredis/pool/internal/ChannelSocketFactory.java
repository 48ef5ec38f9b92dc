package io.github.resilientredis.pool.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import redis.clients.jedis.JedisSocketFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Opens one connection's socket from a {@link SocketChannel}, so that the pool can later look at
 * the socket without blocking: {@link #peekAlive()} sees a FIN or a reset that the server already
 * sent, for the cost of one read system call and no round trip (go-redis does the same with
 * {@code recv(MSG_PEEK|MSG_DONTWAIT)}).
 *
 * <p>One instance per connection: it remembers the channel it opened.
 */
final class ChannelSocketFactory implements JedisSocketFactory {

  private final String host;
  private final int port;
  private final int connectTimeoutMillis;
  private final int readTimeoutMillis;
  private final boolean ssl;
  private final ByteBuffer peekBuffer = ByteBuffer.allocate(1);
  private SocketChannel channel;

  ChannelSocketFactory(String host, int port, int connectTimeoutMillis, int readTimeoutMillis,
      boolean ssl) {
    this.host = host;
    this.port = port;
    this.connectTimeoutMillis = connectTimeoutMillis;
    this.readTimeoutMillis = readTimeoutMillis;
    this.ssl = ssl;
  }

  @Override
  public Socket createSocket() {
    SocketChannel opened = null;
    try {
      opened = SocketChannel.open();
      Socket socket = opened.socket();
      socket.setTcpNoDelay(true);
      socket.setKeepAlive(true);
      socket.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
      socket.setSoTimeout(readTimeoutMillis);
      channel = opened;
      return ssl ? startTls(socket) : socket;
    } catch (IOException | RuntimeException e) {
      closeQuietly(opened);
      throw new JedisConnectionException(
          "Failed to connect to " + host + ":" + port + ": "
              + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()), e);
    }
  }

  private Socket startTls(Socket plain) throws IOException {
    SSLSocket tls = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
        .createSocket(plain, host, port, true);
    SSLParameters parameters = tls.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS"); // verify the server's host name
    tls.setSSLParameters(parameters);
    tls.startHandshake();
    return tls;
  }

  boolean isOpen() {
    SocketChannel ch = channel;
    return ch != null && ch.isOpen();
  }

  /**
   * True when nothing is waiting on an idle socket. False when the server closed or reset it, or
   * sent bytes nobody asked for (an idle connection's stream would be out of step).
   */
  boolean peekAlive() {
    SocketChannel ch = channel;
    if (ch == null || !ch.isOpen()) {
      return false;
    }
    try {
      ch.configureBlocking(false);
      try {
        peekBuffer.clear();
        return ch.read(peekBuffer) == 0;
      } finally {
        ch.configureBlocking(true);
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static void closeQuietly(SocketChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // Already failing; the connect error is what the caller needs.
      }
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
