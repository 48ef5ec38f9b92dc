package io.github.resilientredis.pool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** The idle check and the connect path, against a plain ServerSocket on loopback. */
class ChannelSocketFactoryTest {

  private ServerSocket server;
  private Socket peer;
  private Socket socket;
  private ChannelSocketFactory factory;

  @BeforeEach
  void connect() throws IOException {
    server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    factory = new ChannelSocketFactory("127.0.0.1", server.getLocalPort(), 2000, 1500, false);
    socket = factory.createSocket();
    peer = server.accept();
  }

  @AfterEach
  void close() throws IOException {
    socket.close();
    peer.close();
    server.close();
  }

  @Test
  void theSocketHasTheReadTimeout() throws IOException {
    assertInstanceOf(ChannelSocket.class, socket);
    assertEquals(1500, socket.getSoTimeout());
    assertTrue(factory.isOpen());
  }

  @Test
  void anIdleConnectionIsAlive() {
    assertTrue(factory.peekAlive());
    assertTrue(factory.peekAlive());
  }

  @Test
  void aConnectionThePeerClosedIsNotAlive() throws IOException {
    peer.close();
    assertTrue(eventually(() -> !factory.peekAlive()));
  }

  @Test
  void unexpectedBytesMakeAConnectionNotAlive() throws IOException {
    peer.getOutputStream().write("+surprise\r\n".getBytes());
    assertTrue(eventually(() -> !factory.peekAlive()));
  }

  @Test
  void aClosedConnectionIsNotAlive() throws IOException {
    socket.close();
    assertFalse(factory.peekAlive());
    assertFalse(factory.isOpen());
  }

  @Test
  void aRefusedConnectIsAJedisConnectionException() throws IOException {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    ChannelSocketFactory refused = new ChannelSocketFactory("127.0.0.1", port, 2000, 2000, false);
    JedisConnectionException e =
        assertThrows(JedisConnectionException.class, refused::createSocket);
    assertTrue(e.getMessage().startsWith("Failed to connect to 127.0.0.1:" + port), e.getMessage());
    assertFalse(refused.isOpen());
  }

  /** The FIN or the bytes take a moment to arrive even on loopback. */
  private static boolean eventually(BooleanSupplier condition) {
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.yield(); // a condition to wait for, not a time to pass
    }
    return false;
  }
}
