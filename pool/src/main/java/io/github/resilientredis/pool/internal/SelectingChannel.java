package io.github.resilientredis.pool.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A {@link SocketChannel} kept in non-blocking mode for its whole life, with timed blocking reads
 * and writes built on a per-connection {@link Selector}.
 *
 * <p>Why: the JDK's socket adaptor ({@code channel.socket()}) implements a timed read by
 * switching the channel to non-blocking mode and back, which costs 4 {@code fcntl} calls per read.
 * Here a read first tries the channel (1 system call when the reply is already there) and otherwise waits in
 * {@code epoll_wait} (3 in all), and the mode never changes after {@link #connect}.
 *
 * <p>Cost: each connection holds a selector as well as its socket (an epoll descriptor plus a
 * wake-up pipe or eventfd, so 2-3 more file descriptors).
 *
 * <p>Threads: one thread reads and writes at a time (a Jedis connection has one borrower). Any
 * thread may call {@link #close()}: it closes the channel and then the selector, and closing the
 * selector wakes a thread waiting in it; that thread then fails with an {@link IOException}.
 *
 * <p>Interrupts: a thread interrupted while it waits closes the connection and gets a
 * {@link ClosedByInterruptException}, its interrupt status still set. This is what an interrupted
 * read on a blocking channel does, and the connection could not be reused anyway: its reply is
 * unread. An I/O call that does not need to wait is not interrupted.
 */
final class SelectingChannel {

  /** The selector calls this for each ready key; the caller just retries its read or write. */
  private static final Consumer<SelectionKey> IGNORE_READY_KEY = key -> { };

  private final SocketChannel channel;
  private final Selector selector;
  private final SelectionKey key;

  private SelectingChannel(SocketChannel channel, Selector selector, SelectionKey key) {
    this.channel = channel;
    this.selector = selector;
    this.key = key;
  }

  /**
   * Connects without blocking and waits for the connection in the selector, so that the channel is
   * switched to non-blocking mode once, before anything else, and the connect timeout is exact.
   * (The adaptor's timed connect would itself toggle the blocking mode, and we would then have to
   * switch it again.)
   *
   * @param timeoutMillis 0 waits as long as the operating system lets a connect take
   */
  static SelectingChannel connect(InetSocketAddress address, int timeoutMillis)
      throws IOException {
    SocketChannel channel = SocketChannel.open();
    Selector selector = null;
    try {
      channel.configureBlocking(false);
      selector = Selector.open();
      SelectionKey key = channel.register(selector, SelectionKey.OP_CONNECT);
      SelectingChannel opened = new SelectingChannel(channel, selector, key);
      if (!channel.connect(address)) {
        long deadline = deadline(timeoutMillis);
        while (!channel.finishConnect()) {
          opened.await(SelectionKey.OP_CONNECT, timeoutMillis, deadline, "Connect timed out");
        }
      }
      key.interestOps(SelectionKey.OP_READ);
      return opened;
    } catch (IOException | RuntimeException e) {
      channel.close();
      if (selector != null) {
        selector.close();
      }
      throw e;
    }
  }

  SocketChannel channel() {
    return channel;
  }

  /**
   * Reads at least one byte, or returns -1 at the end of the stream.
   *
   * @param timeoutMillis how long to wait for a byte; 0 waits for ever (as SO_TIMEOUT 0 does)
   * @throws SocketTimeoutException when nothing came in time; the connection is still usable
   */
  int read(ByteBuffer into, int timeoutMillis) throws IOException {
    if (!into.hasRemaining()) {
      return 0;
    }
    int n = readNow(into);
    if (n != 0) {
      return n; // the common case when the reply is already there: no clock read, no wait
    }
    long deadline = deadline(timeoutMillis);
    while (n == 0) {
      await(SelectionKey.OP_READ, timeoutMillis, deadline, "Read timed out");
      n = readNow(into);
    }
    return n;
  }

  /**
   * Writes all of {@code from}, waiting while the send buffer is full.
   *
   * @param timeoutMillis how long to wait for room each time the send buffer is full; 0 for ever
   */
  void write(ByteBuffer from, int timeoutMillis) throws IOException {
    while (from.hasRemaining()) {
      if (writeNow(from) == 0) {
        // The timeout bounds each wait for room, not the whole write: a large write to a slow but
        // live reader completes.
        long deadline = deadline(timeoutMillis);
        do {
          await(SelectionKey.OP_WRITE, timeoutMillis, deadline, "Write timed out");
        } while (writeNow(from) == 0);
      }
    }
  }

  /** One non-blocking read: the bytes read, 0 if none are waiting, -1 at the end of the stream. */
  int readNow(ByteBuffer into) throws IOException {
    try {
      return channel.read(into);
    } catch (ClosedChannelException e) {
      throw closed(e);
    }
  }

  private int writeNow(ByteBuffer from) throws IOException {
    try {
      return channel.write(from);
    } catch (ClosedChannelException e) {
      throw closed(e);
    }
  }

  /**
   * Waits until the channel may be ready for {@code op}, or throws. May return early (a spurious
   * wake-up): callers retry their I/O and call again.
   */
  private void await(int op, int timeoutMillis, long deadline, String timeoutMessage)
      throws IOException {
    long waitMillis = 0;
    if (timeoutMillis > 0) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        throw new SocketTimeoutException(timeoutMessage);
      }
      // Round up, so that a wait never ends just before the deadline and spins.
      waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining + 999_999));
    }
    try {
      if (key.interestOps() != op) {
        key.interestOps(op); // then an epoll_ctl: only around a write that had to wait
      }
      selector.select(IGNORE_READY_KEY, waitMillis);
    } catch (ClosedSelectorException | CancelledKeyException e) {
      throw closed(e); // closed by another thread
    }
    if (Thread.currentThread().isInterrupted()) {
      // select() does not throw when interrupted: it returns at once, so without this a waiting
      // loop would spin. Close, as an interrupted blocking channel does.
      closeQuietly();
      throw new ClosedByInterruptException();
    }
    if (!channel.isOpen()) {
      throw closed(null);
    }
  }

  boolean isOpen() {
    return channel.isOpen();
  }

  /**
   * Closes the channel, then the selector. Closing the selector wakes a thread waiting in it, and
   * lets the channel's socket really close: a registered channel's descriptor stays open until its
   * selector lets go of it. Idempotent; safe from any thread.
   */
  void close() throws IOException {
    try {
      channel.close();
    } finally {
      selector.close();
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (IOException ignored) {
      // The caller is already failing with a better reason.
    }
  }

  /** When a wait of {@code timeoutMillis} ends (unused when 0: no deadline). */
  private static long deadline(int timeoutMillis) {
    return timeoutMillis > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis) : 0;
  }

  /** The message java.net.Socket gives, with the channel's exception as the cause. */
  private static IOException closed(Exception cause) {
    if (cause instanceof ClosedByInterruptException) {
      return (ClosedByInterruptException) cause;
    }
    SocketException e = new SocketException("Socket closed");
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }
}
