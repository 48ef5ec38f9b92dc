package io.github.resilientredis.pool.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import redis.clients.jedis.DefaultJedisSocketFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Opens one connection's socket: a {@link ChannelSocket} over a {@link TimedChannel}, so that a
 * read with a timeout is one blocking system call, and so that the pool can look at an idle socket
 * without blocking: {@link #peekAlive()} sees a FIN or a reset that the server already sent,
 * for the cost of one read system call and no round trip (go-redis does the same with
 * {@code recv(MSG_PEEK|MSG_DONTWAIT)}).
 *
 * <p>One instance per connection: it remembers the socket it opened. It extends Jedis's default
 * factory only so that {@code Connection.getHostAndPort()}, which casts to it (Jedis's cluster
 * executor calls it on every command), names the server; its own socket code is never used.
 */
final class ChannelSocketFactory extends DefaultJedisSocketFactory {

  private final String host;
  private final int port;
  private final int connectTimeoutMillis;
  private final int readTimeoutMillis;
  private final boolean ssl;
  private final ByteBuffer peekBuffer = ByteBuffer.allocate(1);
  private volatile ChannelSocket socket;

  ChannelSocketFactory(String host, int port, int connectTimeoutMillis, int readTimeoutMillis,
      boolean ssl) {
    super(new HostAndPort(host, port));
    this.host = host;
    this.port = port;
    this.connectTimeoutMillis = connectTimeoutMillis;
    this.readTimeoutMillis = readTimeoutMillis;
    this.ssl = ssl;
  }

  @Override
  public Socket createSocket() {
    try {
      ChannelSocket opened = ChannelSocket.connect(new InetSocketAddress(host, port),
          connectTimeoutMillis);
      try {
        opened.setSoTimeout(readTimeoutMillis);
        socket = opened;
        return ssl ? startTls(opened) : opened;
      } catch (IOException | RuntimeException e) {
        closeQuietly(opened);
        throw e;
      }
    } catch (IOException | RuntimeException e) {
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
    ChannelSocket s = socket;
    return s != null && s.isOpen();
  }

  /**
   * True when nothing is waiting on an idle socket. False when the server closed or reset it, or
   * sent bytes nobody asked for (an idle connection's stream would be out of step). One
   * non-blocking read ({@link TimedChannel#readNow}).
   */
  boolean peekAlive() {
    ChannelSocket s = socket;
    if (s == null || !s.isOpen()) {
      return false;
    }
    try {
      peekBuffer.clear();
      return s.readNow(peekBuffer) == 0;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // Already failing; the connect error is what the caller needs.
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
