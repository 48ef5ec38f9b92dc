package io.github.resilientredis.bridge;

import io.github.resilientredis.pool.RedisPoolConfig;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One Redis connection in subscriber mode, spoken in RESP2 over a socket of its own: the hub needs
 * to write (SUBSCRIBE, UNSUBSCRIBE, PING) from one thread while another blocks reading pushes,
 * which a pooled client connection is not made for.
 *
 * <p>Replies are {@code byte[]} (bulk), {@code Long}, {@code String} (status), {@link Error} or a
 * {@code List} of those. Once connected, a read waits without a deadline: the socket is a
 * blocking channel, so a read is one system call (a read with a timeout is a failed read, a
 * poll and the read again: a quarter of the hub reader's CPU when messages come one by one).
 * Silence is the hub's to judge: it PINGs and closes a connection that stopped answering.
 */
final class PubSubConnection implements AutoCloseable {

  /** An error reply. */
  record Error(String message) {}

  private static final int MAX_BULK = 512 * 1024 * 1024;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private PubSubConnection(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    this.out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
  }

  /** Connects, authenticates and names the connection ({@code CLIENT LIST} shows it). */
  static PubSubConnection open(RedisPoolConfig redis, String clientName) throws IOException {
    // A channel's socket: one in blocking mode reads with a single read(2); a plain Socket turns
    // non-blocking for good after its first read with a timeout (the handshake's, below).
    Socket socket = SocketChannel.open().socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setKeepAlive(true);
      socket.connect(new InetSocketAddress(redis.host(), redis.port()),
          (int) redis.connectTimeout().toMillis());
      if (redis.ssl()) {
        SSLSocket tls = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
            .createSocket(socket, redis.host(), redis.port(), true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        socket = tls;
      }
      // The handshake within the connect timeout: a proxy in front of a Redis that is still
      // starting accepts at once and answers nothing. (The channel is blocking again after each
      // timed read.)
      socket.setSoTimeout((int) redis.connectTimeout().toMillis());
      PubSubConnection connection = new PubSubConnection(socket);
      if (redis.password() != null) {
        connection.call(redis.user() == null ? new String[] {"AUTH", redis.password()}
            : new String[] {"AUTH", redis.user(), redis.password()});
      }
      connection.call("CLIENT", "SETNAME", clientName);
      socket.setSoTimeout(0);
      return connection;
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** A command whose error reply is a failure to connect (AUTH, CLIENT SETNAME). */
  private void call(String... args) throws IOException {
    byte[][] bytes = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
    }
    send(List.of(bytes));
    Object reply = read();
    if (reply instanceof Error e) {
      throw new IOException("Redis refused " + args[0] + ": " + e.message());
    }
  }

  /** Writes one command and flushes; callers serialize their writes. */
  void send(List<byte[]> args) throws IOException {
    writeHeader('*', args.size());
    for (byte[] arg : args) {
      writeHeader('$', arg.length);
      out.write(arg);
      out.write('\r');
      out.write('\n');
    }
    out.flush();
  }

  private void writeHeader(char kind, int n) throws IOException {
    out.write(kind);
    out.write(Integer.toString(n).getBytes(StandardCharsets.US_ASCII));
    out.write('\r');
    out.write('\n');
  }

  /** The next reply or push. */
  Object read() throws IOException {
    int kind = in.read();
    if (kind < 0) {
      throw new EOFException("Redis closed the connection");
    }
    String line = readLine();
    switch (kind) {
      case '+':
        return line;
      case '-':
        return new Error(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int length = Integer.parseInt(line);
        if (length < 0) {
          return null;
        }
        if (length > MAX_BULK) {
          throw new IOException("bulk reply of " + length + " bytes");
        }
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length || in.read() != '\r' || in.read() != '\n') {
          throw new EOFException("Redis closed the connection inside a reply");
        }
        return bytes;
      }
      case '*': {
        int count = Integer.parseInt(line);
        if (count < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          items.add(read());
        }
        return items;
      }
      default:
        throw new IOException("not a RESP2 reply: byte " + kind);
    }
  }

  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder(16);
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("Redis closed the connection inside a reply");
      }
      if (b == '\r') {
        if (in.read() != '\n') {
          throw new IOException("a RESP line without its line feed");
        }
        return line.toString();
      }
      line.append((char) b);
    }
  }

  /** Closes the socket: a read blocked in another thread fails at once. */
  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing: nothing left to do with it
    }
  }
}
