package io.github.resilientredis.pool.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * A {@link SocketChannel} in blocking mode whose reads and writes have a deadline, enforced by
 * {@link TimeoutWatchdog} closing the channel when it passes.
 *
 * <p>Why not SO_TIMEOUT: the JDK's socket adaptor ({@code channel.socket()}) implements a timed
 * read by switching the channel to non-blocking mode and back, 4 {@code fcntl} calls per read; a
 * selector instead costs an empty read, an {@code epoll_wait} and the selector's own bookkeeping.
 * A plain blocking read is one system call: the thread waits in the kernel until the reply comes.
 * The deadline costs two clock reads and two volatile writes per read. A read that passes its
 * deadline fails with {@link SocketTimeoutException} within {@link TimeoutWatchdog#TICK_MILLIS}
 * of it, and, unlike a timed-out SO_TIMEOUT read, leaves the connection closed (a Redis client
 * must drop such a connection anyway: its reply is still on the way).
 *
 * <p>Threads: one thread reads and writes at a time (a Jedis connection has one borrower). Any
 * thread may call {@link #close()}; a thread blocked in a read or write then fails at once with
 * an {@link IOException}. An interrupted thread closes the channel and gets a
 * {@link ClosedByInterruptException}, as any blocking channel does.
 */
final class TimedChannel {

  private static final long IDLE = 0;
  private static final long EXPIRED = 1;
  /** The most one write call hands the kernel under one deadline. */
  private static final int WRITE_CHUNK = 256 * 1024;
  private static final VarHandle DEADLINE;

  static {
    try {
      DEADLINE = MethodHandles.lookup().findVarHandle(TimedChannel.class, "deadlineNanos",
          long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final SocketChannel channel;
  /**
   * When the read or write under way must have finished ({@code System.nanoTime()}); {@link #IDLE}
   * when none is under way or it may wait for ever, {@link #EXPIRED} once the watchdog closed it.
   */
  @SuppressWarnings("unused") // through DEADLINE
  private volatile long deadlineNanos;

  private TimedChannel(SocketChannel channel) {
    this.channel = channel;
  }

  /** Connects within {@code timeoutMillis} (0: as long as the system lets a connect take). */
  static TimedChannel connect(InetSocketAddress address, int timeoutMillis) throws IOException {
    SocketChannel channel = SocketChannel.open();
    try {
      channel.socket().connect(address, timeoutMillis); // blocking mode again once connected
      TimedChannel opened = new TimedChannel(channel);
      TimeoutWatchdog.watch(opened);
      return opened;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  SocketChannel channel() {
    return channel;
  }

  /**
   * Reads at least one byte, or returns -1 at the end of the stream.
   *
   * @param timeoutMillis how long to wait; 0 waits for ever (as SO_TIMEOUT 0 does)
   * @throws SocketTimeoutException when nothing came in time; the channel is then closed
   */
  int read(ByteBuffer into, int timeoutMillis) throws IOException {
    if (!into.hasRemaining()) {
      return 0;
    }
    arm(timeoutMillis);
    int n;
    try {
      n = channel.read(into);
    } catch (IOException e) {
      throw failed(e, "Read timed out", timeoutMillis);
    }
    disarm(timeoutMillis, "Read timed out");
    return n;
  }

  /**
   * Writes all of {@code from}, in chunks that each must be taken by the peer within the timeout:
   * the timeout bounds a stall, not the whole write, so a large value to a slow but live Redis
   * completes, while a peer that stopped reading fails it.
   *
   * @param timeoutMillis how long one chunk may wait for the peer to take it; 0 for ever
   */
  void write(ByteBuffer from, int timeoutMillis) throws IOException {
    int end = from.limit();
    try {
      while (from.position() < end) {
        from.limit(Math.min(end, from.position() + WRITE_CHUNK));
        arm(timeoutMillis);
        try {
          while (from.hasRemaining()) {
            channel.write(from); // blocking mode: returns once the chunk is in the send buffer
          }
        } catch (IOException e) {
          throw failed(e, "Write timed out", timeoutMillis);
        }
        disarm(timeoutMillis, "Write timed out");
      }
    } finally {
      from.limit(end);
    }
  }

  /**
   * One read that does not wait: the bytes read, 0 if none are waiting, -1 at the end of the
   * stream. For an idle connection only (the pool's EOF peek): it switches the channel to
   * non-blocking mode for the call, which no borrower can notice then.
   */
  int readNow(ByteBuffer into) throws IOException {
    try {
      synchronized (channel.blockingLock()) {
        channel.configureBlocking(false);
        try {
          return channel.read(into);
        } finally {
          channel.configureBlocking(true);
        }
      }
    } catch (ClosedChannelException e) {
      throw closed(e);
    }
  }

  boolean isOpen() {
    return channel.isOpen();
  }

  /** Closes the channel; a thread blocked in it fails at once. Idempotent; from any thread. */
  void close() throws IOException {
    TimeoutWatchdog.forget(this);
    channel.close();
  }

  /**
   * Called by the watchdog at {@code nowNanos}: closes the channel when the read or write under way
   * has passed its deadline.
   */
  void expireIfLate(long nowNanos) {
    long deadline = (long) DEADLINE.getVolatile(this);
    if (deadline != IDLE && deadline != EXPIRED && nowNanos - deadline > 0
        && DEADLINE.compareAndSet(this, deadline, EXPIRED)) {
      try {
        close();
      } catch (IOException ignored) {
        // The blocked reader or writer reports the timeout.
      }
    }
  }

  private void arm(int timeoutMillis) throws SocketTimeoutException {
    if (timeoutMillis > 0) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
      if (deadline == IDLE || deadline == EXPIRED) {
        deadline = 2; // nanoTime may be any value: never confuse a deadline with a marker
      }
      if (!DEADLINE.compareAndSet(this, IDLE, deadline)) {
        throw new SocketTimeoutException("Timed out earlier: the connection is closed");
      }
    }
  }

  /** Ends the deadline; throws when the watchdog already closed the channel for passing it. */
  private void disarm(int timeoutMillis, String timeoutMessage) throws SocketTimeoutException {
    if (timeoutMillis > 0 && (long) DEADLINE.getAndSet(this, IDLE) == EXPIRED) {
      DEADLINE.setVolatile(this, EXPIRED); // stays expired: the channel is closed
      throw timedOut(timeoutMessage, timeoutMillis);
    }
  }

  /**
   * What a failed read or write throws, its deadline ended: an interrupt as it is; a channel closed
   * by the watchdog as a timeout, closed by anyone else as "Socket closed"; any other I/O error as
   * it is, unless the deadline passed meanwhile.
   */
  private IOException failed(IOException e, String timeoutMessage, int timeoutMillis) {
    if (e instanceof ClosedByInterruptException) {
      DEADLINE.setVolatile(this, IDLE);
      return e;
    }
    if (!(e instanceof ClosedChannelException)) {
      try {
        disarm(timeoutMillis, timeoutMessage);
      } catch (SocketTimeoutException timeout) {
        return timeout;
      }
      return e;
    }
    if (timeoutMillis > 0 && (long) DEADLINE.getVolatile(this) == EXPIRED) {
      SocketTimeoutException timeout = timedOut(timeoutMessage, timeoutMillis);
      timeout.initCause(e);
      return timeout;
    }
    DEADLINE.setVolatile(this, IDLE);
    return closed(e);
  }

  private static SocketTimeoutException timedOut(String message, int timeoutMillis) {
    return new SocketTimeoutException(message + " (" + timeoutMillis + " ms)");
  }

  /** The message java.net.Socket gives, with the channel's exception as the cause. */
  private static SocketException closed(Exception cause) {
    SocketException e = new SocketException("Socket closed");
    e.initCause(cause);
    return e;
  }
}
