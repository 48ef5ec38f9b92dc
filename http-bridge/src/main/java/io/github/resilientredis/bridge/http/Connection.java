package io.github.resilientredis.bridge.http;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's connection, served by one thread (a virtual thread, from the server's executor)
 * for its whole life: read a request's head, run the handler on an {@link Exchange}, finish the
 * exchange, and again while the connection is kept alive.
 *
 * <p>The socket is non-blocking and sits in the server's edge-triggered {@link Poller}: a read
 * that comes back short has emptied the socket, so the thread waits for the next edge without
 * trying another read; a write the socket cannot take waits for the edge that says it can.
 * Every wait has a deadline (keepalive-idle between requests, request-read-timeout for a
 * request's head and body and for a stalled write), so a client that stops reading or writing
 * costs its own thread until then, and never another client's.
 */
final class Connection implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
  private static final long NO_DEADLINE = Long.MAX_VALUE;
  /** About 73 years: a longer timeout means none, and must not overflow a deadline. */
  private static final long LONGEST_WAIT_NANOS = Long.MAX_VALUE / 4;
  private static final int INITIAL_INPUT = 2048;
  private static final int OUTPUT_BUFFER = 4096;

  final EpollHttpServer server;
  final SocketChannel channel;
  final int fd;
  final InetSocketAddress local;
  final InetSocketAddress remote;
  /** This connection's name in the poller's events (set by {@link Poller#register}). */
  long token;

  /** Bytes read and not yet consumed are {@code input[start, end)}. */
  private byte[] input = new byte[INITIAL_INPUT];
  private ByteBuffer inputView = ByteBuffer.wrap(input);
  int start;
  int end;
  /** The replies' buffer, made at the first reply and kept for the connection's life. */
  private byte[] output;
  /** The last read came back short: the socket is empty until the next edge. */
  private boolean drained;

  private volatile boolean readable;
  private volatile boolean writable;
  /** The connection's thread while it waits for an edge, so that the poller wakes only it. */
  private volatile Thread waiter;
  /** When the current wait gives up ({@link #NO_DEADLINE}: never, or not waiting). */
  private volatile long waitDeadline = NO_DEADLINE;
  /** Between requests: the server's stop may close this connection now. */
  private volatile boolean betweenRequests;
  private volatile boolean hungUp;
  private Runnable onDeparture; // guarded by this

  Connection(EpollHttpServer server, SocketChannel channel, int fd) throws IOException {
    this.server = server;
    this.channel = channel;
    this.fd = fd;
    this.local = (InetSocketAddress) channel.getLocalAddress();
    this.remote = (InetSocketAddress) channel.getRemoteAddress();
  }

  @Override
  public void run() {
    try {
      Exchange exchange;
      while ((exchange = nextExchange()) != null) {
        server.handle(exchange);
        if (!exchange.finish()) {
          break;
        }
      }
    } catch (IOException e) {
      LOG.trace("connection from {} ended: {}", remote, e.toString());
    } catch (RuntimeException | Error e) {
      LOG.warn("connection from {} failed: {}", remote, e.toString(), e);
    } finally {
      close();
    }
  }

  /**
   * Reads the next request's head (waiting at most keepalive-idle for it to start and
   * request-read-timeout for the rest); null when the connection should close without a reply:
   * the client left or stayed silent, or the server is stopping. A head that is not HTTP gets
   * its 4xx here.
   */
  private Exchange nextExchange() throws IOException {
    long idleDeadline = deadline(server.keepAliveIdleNanos);
    betweenRequests = true;
    try {
      while (true) {
        while (start < end && (input[start] == '\r' || input[start] == '\n')) {
          start++; // empty lines before a request are ignored (RFC 9112 2.2)
        }
        if (start < end) {
          break;
        }
        start = end = 0;
        if (server.stopping || fill(idleDeadline, true) < 0) {
          return null;
        }
      }
    } catch (SocketTimeoutException idle) {
      return null;
    } finally {
      betweenRequests = false;
    }
    long requestDeadline = deadline(server.requestReadNanos);
    int scanned = 0; // bytes after start known to hold no end of head (fill may move start)
    int headEnd;
    while ((headEnd = RequestHead.end(input, start + scanned, end)) < 0) {
      scanned = Math.max(0, end - start - 3);
      if (end - start >= server.maxHeadBytes) {
        refuse(RequestHead.tooLarge(input, start, end, server.maxHeadBytes, server.headLimitWhy));
        return null;
      }
      try {
        if (fill(requestDeadline, false) < 0) {
          return null; // gone in the middle of a head: nobody to answer
        }
      } catch (SocketTimeoutException slow) {
        return null; // request-read-timeout: cut off, as the JDK's server does
      }
    }
    RequestHead head;
    try {
      head = RequestHead.parse(input, start, headEnd);
    } catch (RequestHead.Refusal refusal) {
      start = headEnd + 4;
      refuse(refusal);
      return null;
    }
    start = headEnd + 4;
    return new Exchange(this, head, requestDeadline);
  }

  /** Answers a request the server will not hand to a handler, then the connection closes. */
  private void refuse(RequestHead.Refusal refusal) throws IOException {
    sendError(refusal.status, refusal.getMessage());
  }

  /**
   * A whole reply {@code {"error": message}} from the server itself, saying {@code Connection:
   * close}: nothing may follow it on this connection.
   */
  void sendError(int status, String message) throws IOException {
    byte[] reply = HttpFormat.errorReply(status, message);
    write(reply, 0, reply.length, writeDeadline());
  }

  byte[] outputBuffer() {
    if (output == null) {
      output = new byte[OUTPUT_BUFFER];
    }
    return output;
  }

  /** How long a write may wait for a client that reads nothing: request-read-timeout. */
  long writeDeadline() {
    return deadline(server.requestReadNanos);
  }

  /** {@code nanos} from now; compared by subtraction, so nanoTime's sign and wrap do not matter. */
  long deadline(long nanos) {
    return System.nanoTime() + Math.min(nanos, LONGEST_WAIT_NANOS);
  }

  /**
   * Reads what the socket has into the input buffer, growing it (up to the head limit) or
   * compacting it when full; waits for bytes until {@code deadline}. The number read, or -1 at
   * the end of the stream.
   */
  int fill(long deadline, boolean idle) throws IOException {
    if (end == input.length) {
      if (start > 0) {
        System.arraycopy(input, start, input, 0, end - start);
        end -= start;
        start = 0;
      } else {
        byte[] larger = new byte[(int) Math.min(input.length * 2L, server.maxHeadBytes + 4L)];
        System.arraycopy(input, 0, larger, 0, end);
        input = larger;
        inputView = ByteBuffer.wrap(input);
      }
    }
    inputView.limit(input.length).position(end);
    int n = read(inputView, deadline, idle);
    if (n > 0) {
      end += n;
    }
    return n;
  }

  /**
   * Copies up to {@code length} body bytes into {@code into}: buffered ones first, else straight
   * from the socket (a large body skips the input buffer). -1 at the end of the stream.
   */
  int readInto(byte[] into, int offset, int length, long deadline) throws IOException {
    if (start == end) {
      if (length >= input.length) {
        return read(ByteBuffer.wrap(into, offset, length), deadline, false);
      }
      start = end = 0;
      if (fill(deadline, false) < 0) {
        return -1;
      }
    }
    int n = Math.min(length, end - start);
    System.arraycopy(input, start, into, offset, n);
    start += n;
    return n;
  }

  /** One byte of the body's framing (a chunk's size line), waiting for it; EOF is an error. */
  int readByte(long deadline) throws IOException {
    if (start == end) {
      start = end = 0;
      if (fill(deadline, false) < 0) {
        throw new EOFException("the connection closed in the middle of the request body");
      }
    }
    return input[start++] & 0xff;
  }

  private int read(ByteBuffer into, long deadline, boolean idle) throws IOException {
    while (true) {
      if (!drained) {
        int space = into.remaining();
        int n = channel.read(into);
        if (n != 0) {
          drained = n > 0 && n < space;
          return n;
        }
        drained = true;
      }
      awaitEdge(true, deadline, idle);
      drained = false;
    }
  }

  /** Writes all of it, waiting (until the deadline) whenever the socket's buffer is full. */
  void write(byte[] bytes, int offset, int length, long deadline) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
    while (buffer.hasRemaining()) {
      if (channel.write(buffer) == 0) {
        awaitWritable(deadline);
      }
    }
  }

  /** Writes all of them with as few system calls as the socket allows (a gathering write). */
  void write(ByteBuffer[] buffers, long deadline) throws IOException {
    while (hasRemaining(buffers)) {
      if (channel.write(buffers) == 0) {
        awaitWritable(deadline);
      }
    }
  }

  private static boolean hasRemaining(ByteBuffer[] buffers) {
    for (ByteBuffer buffer : buffers) {
      if (buffer.hasRemaining()) {
        return true;
      }
    }
    return false;
  }

  private void awaitWritable(long deadline) throws IOException {
    if (writable) {
      writable = false; // an old edge: try once more, then wait for a new one
      return;
    }
    awaitEdge(false, deadline, false);
  }

  /**
   * Parks until the poller reports the edge. The park has no timeout: a timed park of a virtual
   * thread schedules and cancels a timer task each time, which cost this server about a third of
   * its CPU per request; the poller's sweep ({@link #wakeIfOverdue}) wakes a wait whose deadline
   * has passed instead, within a quarter of a second.
   */
  private void awaitEdge(boolean forReading, long deadline, boolean idle) throws IOException {
    waitDeadline = deadline;
    waiter = Thread.currentThread();
    try {
      while (forReading ? !readable : !writable) {
        if (idle && server.stopping) {
          throw new SocketTimeoutException("the server is stopping");
        }
        if (!channel.isOpen()) {
          throw new IOException("the connection was closed");
        }
        if (deadline != NO_DEADLINE && deadline - System.nanoTime() <= 0) {
          throw new SocketTimeoutException(forReading ? "the client sent nothing in time"
              : "the client read nothing in time");
        }
        LockSupport.park(this);
      }
    } finally {
      waiter = null;
      waitDeadline = NO_DEADLINE;
    }
    if (forReading) {
      readable = false;
    } else {
      writable = false;
    }
  }

  /** From the poller's thread: the socket became readable, writable, or the client went away. */
  void ready(int events) {
    if ((events & (Epoll.EPOLLIN | Epoll.EPOLLRDHUP | Epoll.EPOLLHUP | Epoll.EPOLLERR))
        != 0) {
      readable = true;
    }
    if ((events & (Epoll.EPOLLOUT | Epoll.EPOLLHUP | Epoll.EPOLLERR)) != 0) {
      writable = true;
    }
    if ((events & (Epoll.EPOLLRDHUP | Epoll.EPOLLHUP | Epoll.EPOLLERR)) != 0) {
      hangUp();
    }
    Thread thread = waiter;
    if (thread != null) {
      LockSupport.unpark(thread);
    }
  }

  /** From the poller's sweep: wakes the thread if it waits past its deadline. */
  void wakeIfOverdue(long now) {
    long deadline = waitDeadline;
    Thread thread = waiter;
    if (thread != null && deadline != NO_DEADLINE && deadline - now <= 0) {
      LockSupport.unpark(thread);
    }
  }

  /** Wakes the thread if it waits between requests (the server is stopping). */
  void wakeIfIdle() {
    Thread thread = waiter;
    if (thread != null && betweenRequests) {
      LockSupport.unpark(thread);
    }
  }

  private void hangUp() {
    Runnable departure;
    synchronized (this) {
      hungUp = true;
      departure = onDeparture;
      onDeparture = null;
    }
    if (departure != null) {
      runDeparture(departure);
    }
  }

  /**
   * Runs {@code departure} once when the client closes or resets the connection (at once if it
   * already has), on the poller's thread: it must be quick.
   */
  void watchDeparture(Runnable departure) {
    synchronized (this) {
      if (!hungUp) {
        onDeparture = departure;
        return;
      }
    }
    runDeparture(departure);
  }

  synchronized void unwatchDeparture() {
    onDeparture = null;
  }

  boolean isOpen() {
    return !hungUp && channel.isOpen();
  }

  private void runDeparture(Runnable departure) {
    try {
      departure.run();
    } catch (RuntimeException e) {
      LOG.warn("a departure callback failed: {}", e.toString());
    }
  }

  /** Closes the socket; a thread waiting on it wakes and finds it closed. */
  void close() {
    server.forget(this);
    try {
      channel.close();
    } catch (IOException e) {
      LOG.trace("closing a connection: {}", e.toString());
    }
    Thread thread = waiter;
    if (thread != null) {
      LockSupport.unpark(thread);
    }
  }
}
