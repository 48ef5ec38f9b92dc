package io.github.resilientredis.pool.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The socket Jedis reads and writes through, against a plain ServerSocket on loopback. */
class ChannelSocketTest {

  private ServerSocket server;
  private Socket peer;
  private ChannelSocket socket;

  @BeforeEach
  void connect() throws IOException {
    server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    socket = ChannelSocket.connect(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 2000);
    peer = server.accept();
  }

  @AfterEach
  void close() throws IOException {
    socket.close();
    peer.close();
    server.close();
  }

  @Test
  void aReadTimesOutNearSoTimeoutAndClosesTheSocket() throws IOException {
    socket.setSoTimeout(200);
    long start = System.nanoTime();
    SocketTimeoutException e =
        assertThrows(SocketTimeoutException.class, () -> socket.getInputStream().read());
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals("Read timed out (200 ms)", e.getMessage());
    assertTrue(elapsedMillis >= 199 && elapsedMillis < 1500, "timed out after " + elapsedMillis);
    // Its reply may still come: a Redis client must not read it as the next command's.
    assertTrue(socket.isClosed());
  }

  @Test
  void readsThatFinishInTimeLeaveNoDeadlineBehind() throws Exception {
    socket.setSoTimeout(100);
    for (int i = 0; i < 5; i++) {
      peer.getOutputStream().write('x');
      assertEquals('x', socket.getInputStream().read());
      // The watchdog looking long after this read's deadline: it must not fire late.
      socket.io().expireIfLate(System.nanoTime() + TimeUnit.HOURS.toNanos(1));
      assertFalse(socket.isClosed());
    }
  }

  @Test
  void aWriteToAPeerThatStoppedReadingTimesOut() throws Exception {
    socket.setSoTimeout(300);
    socket.setSendBufferSize(32 * 1024);
    peer.setReceiveBufferSize(32 * 1024);
    byte[] payload = new byte[8 * 1024 * 1024]; // far more than both buffers: the peer never reads
    SocketTimeoutException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> assertThrows(SocketTimeoutException.class,
            () -> socket.getOutputStream().write(payload)));
    assertTrue(e.getMessage().startsWith("Write timed out"), e.getMessage());
  }

  @Test
  void soTimeoutZeroWaitsUntilDataArrives() throws Exception {
    socket.setSoTimeout(0);
    byte[] buffer = new byte[16];
    AtomicReference<Thread> readerThread = new AtomicReference<>();
    CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
      readerThread.set(Thread.currentThread());
      try {
        return socket.getInputStream().read(buffer, 4, 12);
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    awaitBlockedIn(readerThread, "read");
    // No deadline with SO_TIMEOUT 0: the watchdog leaves it waiting, however late it looks.
    socket.io().expireIfLate(System.nanoTime() + TimeUnit.DAYS.toNanos(1));
    assertFalse(read.isDone());
    write(peer, new byte[] {1, 2, 3});
    int n = read.get(10, TimeUnit.SECONDS);
    assertEquals(3, n);
    assertArrayEquals(new byte[] {1, 2, 3}, java.util.Arrays.copyOfRange(buffer, 4, 7));
  }

  @Test
  void theEndOfTheStreamReadsAsMinusOne() throws IOException {
    socket.setSoTimeout(2000);
    peer.getOutputStream().write(7);
    peer.close();
    InputStream in = socket.getInputStream();
    assertEquals(7, in.read());
    assertEquals(-1, in.read());
    assertEquals(-1, in.read(new byte[8], 0, 8));
  }

  @Test
  void aLargeWriteToALateReaderCompletes() throws Exception {
    socket.setSoTimeout(2000); // bounds each 256 KiB chunk's wait for room, not the whole write
    socket.setSendBufferSize(32 * 1024); // small, so the writer waits for room many times
    peer.setReceiveBufferSize(32 * 1024);
    byte[] payload = new byte[6 * 1024 * 1024];
    new Random(42).nextBytes(payload);
    AtomicReference<Thread> writerThread = new AtomicReference<>();
    CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
      writerThread.set(Thread.currentThread());
      write(socket, payload);
    });
    awaitBlockedIn(writerThread, "write"); // both buffers full: the writer waits for room
    InputStream in = peer.getInputStream();
    byte[] all = new byte[payload.length];
    int total = 0;
    for (int n; total < all.length && (n = in.read(all, total, all.length - total)) >= 0; ) {
      total += n;
    }
    written.get(30, TimeUnit.SECONDS);
    assertArrayEquals(payload, java.util.Arrays.copyOf(all, total));
  }

  @Test
  void closeFromAnotherThreadWakesABlockedReader() throws Exception {
    socket.setSoTimeout(0);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread reader = new Thread(() -> {
      try {
        socket.getInputStream().read();
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    reader.start();
    awaitBlockedIn(new AtomicReference<>(reader), "read");
    assertTrue(reader.isAlive());
    long start = System.nanoTime();
    socket.close();
    reader.join(5000);
    assertFalse(reader.isAlive(), "the reader is still blocked after close()");
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2));
    assertInstanceOf(IOException.class, failure.get());
    assertTrue(socket.isClosed());
    assertEquals(-1, peer.getInputStream().read()); // the server sees the connection end
  }

  @Test
  void anInterruptedReaderGetsClosedByInterruptAndTheSocketCloses() throws Exception {
    socket.setSoTimeout(0);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
    Thread reader = new Thread(() -> {
      try {
        socket.getInputStream().read();
      } catch (Throwable t) {
        failure.set(t);
        stillInterrupted.set(Thread.currentThread().isInterrupted());
      }
    });
    reader.start();
    awaitBlockedIn(new AtomicReference<>(reader), "read");
    reader.interrupt();
    reader.join(5000);
    assertFalse(reader.isAlive());
    assertInstanceOf(ClosedByInterruptException.class, failure.get());
    assertTrue(stillInterrupted.get());
    assertTrue(socket.isClosed());
  }

  @Test
  void readsAfterCloseFail() throws IOException {
    InputStream in = socket.getInputStream();
    socket.close();
    assertThrows(IOException.class, in::read);
    assertThrows(IOException.class, () -> socket.getOutputStream());
    assertTrue(socket.isConnected()); // as a java.net.Socket: closing keeps the connected state
  }

  @Test
  void optionsGoToTheChannel() throws IOException {
    assertTrue(socket.getTcpNoDelay());
    assertTrue(socket.getKeepAlive());
    socket.setTcpNoDelay(false);
    assertFalse(socket.getTcpNoDelay());
    assertEquals(server.getLocalPort(), socket.getPort());
    assertEquals(peer.getPort(), socket.getLocalPort());
    assertEquals(peer.getRemoteSocketAddress(), socket.getLocalSocketAddress());
  }

  @Test
  void aRefusedConnectFails() throws IOException {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    assertThrows(IOException.class, () -> ChannelSocket.connect(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000));
  }

  /**
   * Waits (at most 5 s) until the thread is inside the channel's {@code read} or {@code write}:
   * from there it blocks in the kernel. A condition, not a guess at how long starting takes.
   */
  private static void awaitBlockedIn(AtomicReference<Thread> thread, String method) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      Thread t = thread.get();
      if (t != null) {
        for (StackTraceElement frame : t.getStackTrace()) {
          if (frame.getClassName().equals("sun.nio.ch.SocketChannelImpl")
              && frame.getMethodName().equals(method)) {
            return;
          }
        }
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("the thread never entered SocketChannelImpl." + method);
  }

  private static void write(Socket to, byte[] bytes) {
    try {
      to.getOutputStream().write(bytes);
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }
}
