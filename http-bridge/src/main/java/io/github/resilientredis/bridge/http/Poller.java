package io.github.resilientredis.bridge.http;

import static io.github.resilientredis.bridge.http.Epoll.DATA_OFFSET;
import static io.github.resilientredis.bridge.http.Epoll.EPOLLET;
import static io.github.resilientredis.bridge.http.Epoll.EPOLLIN;
import static io.github.resilientredis.bridge.http.Epoll.EPOLLOUT;
import static io.github.resilientredis.bridge.http.Epoll.EPOLLRDHUP;
import static io.github.resilientredis.bridge.http.Epoll.EPOLL_CLOEXEC;
import static io.github.resilientredis.bridge.http.Epoll.EPOLL_CTL_ADD;
import static io.github.resilientredis.bridge.http.Epoll.EVENT_SIZE;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One edge-triggered epoll set (Linux, through {@link Native}) holding every connection of the
 * server once, for its whole life, and one platform thread waiting on it. An edge marks the
 * connection readable or writable and wakes its thread if that thread waits for it; the client's
 * FIN or a reset also tells the connection its client has gone ({@link Connection#hangUp}).
 *
 * <p>Why not the JDK's own poller, which serves every virtual thread blocked on a socket: it
 * registers a socket one-shot, so each request costs an {@code epoll_ctl} and the read that found
 * nothing (EAGAIN) before it. Here a connection reads until a read comes back short, and then
 * waits for the next edge: one {@code read} and one {@code write} per request. The same thread
 * sweeps the connections four times a second and wakes the waits that passed their deadlines.
 */
final class Poller {

  private static final Logger LOG = LoggerFactory.getLogger(Poller.class);
  private static final int MAX_EVENTS = 512;
  /** How often waits past their deadline are woken (connections' timeouts are this late at most). */
  private static final int SWEEP_MILLIS = 250;

  private static final Handles HANDLES = Handles.load();

  /** The C functions, looked up once per process; {@link #unavailable} says why not. */
  private record Handles(MethodHandle create, MethodHandle ctl, MethodHandle await,
      MethodHandle getInt, MethodHandle getLong, MethodHandle setInt, MethodHandle setLong,
      String unavailable) {

    static Handles load() {
      if (Native.unavailable() != null) {
        return new Handles(null, null, null, null, null, null, null, Native.unavailable());
      }
      try {
        return new Handles(
            Native.function("epoll_create1", Native.jint(), Native.jint()),
            Native.function("epoll_ctl", Native.jint(), Native.jint(), Native.jint(), Native.jint(),
                Native.address()),
            Native.function("epoll_wait", Native.jint(), Native.jint(), Native.address(), Native.jint(),
                Native.jint()),
            Native.intGetter(), Native.longGetter(), Native.intSetter(), Native.longSetter(),
            null);
      } catch (ReflectiveOperationException | RuntimeException e) {
        return new Handles(null, null, null, null, null, null, null,
            "epoll cannot be reached: " + e);
      }
    }
  }

  private final int epfd;
  private final Object ctlEvent;
  private final Map<Long, Connection> connections = new ConcurrentHashMap<>();
  private final AtomicLong tokens = new AtomicLong();
  private final Thread thread;
  private volatile boolean closed;

  /** Why no poller can run here (not Linux, no Foreign Function API), or null. */
  static String unavailable() {
    return HANDLES.unavailable;
  }

  Poller(String name) throws IOException {
    if (HANDLES.unavailable != null) {
      throw new IOException(HANDLES.unavailable);
    }
    try {
      epfd = (int) HANDLES.create.invokeExact(EPOLL_CLOEXEC);
      ctlEvent = Native.allocate(EVENT_SIZE);
    } catch (Throwable e) {
      throw new IOException("epoll_create1 failed: " + e, e);
    }
    if (epfd < 0) {
      throw new IOException("epoll_create1 failed");
    }
    thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Adds the connection's socket to the set for as long as it is open (closing the socket takes
   * it out); the returned token names it in events, so a reused descriptor number never reaches
   * the connection that had it before.
   */
  void register(Connection connection) throws IOException {
    long token = tokens.incrementAndGet();
    connection.token = token;
    connections.put(token, connection);
    int result;
    synchronized (ctlEvent) {
      try {
        HANDLES.setInt.invokeExact(ctlEvent, 0L, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
        HANDLES.setLong.invokeExact(ctlEvent, (long) DATA_OFFSET, token);
        result = (int) HANDLES.ctl.invokeExact(epfd, EPOLL_CTL_ADD, connection.fd, ctlEvent);
      } catch (Throwable e) {
        result = -1;
      }
    }
    if (result != 0) {
      connections.remove(token);
      throw new IOException("epoll_ctl could not add descriptor " + connection.fd);
    }
  }

  /** The connection's socket is about to close: no more events for it. */
  void forget(Connection connection) {
    connections.remove(connection.token);
  }

  void close() {
    closed = true;
    thread.interrupt(); // epoll_wait below returns within its timeout
  }

  private void run() {
    Object events;
    try {
      events = Native.allocate((long) EVENT_SIZE * MAX_EVENTS);
    } catch (ReflectiveOperationException e) {
      LOG.error("the HTTP server's poller cannot start: {}", e.toString());
      return;
    }
    long lastSweep = System.nanoTime();
    while (!closed) {
      int n;
      try {
        n = (int) HANDLES.await.invokeExact(epfd, events, MAX_EVENTS, SWEEP_MILLIS);
        for (int i = 0; i < n; i++) {
          long at = (long) i * EVENT_SIZE;
          int ready = (int) HANDLES.getInt.invokeExact(events, at);
          long token = (long) HANDLES.getLong.invokeExact(events, at + DATA_OFFSET);
          Connection connection = connections.get(token);
          if (connection != null) {
            connection.ready(ready);
          }
        }
      } catch (Throwable e) {
        LOG.error("the HTTP server's poller stopped: {}", e.toString());
        return;
      }
      long now = System.nanoTime();
      if (now - lastSweep >= TimeUnit.MILLISECONDS.toNanos(SWEEP_MILLIS)) {
        lastSweep = now;
        for (Connection connection : connections.values()) {
          connection.wakeIfOverdue(now);
        }
      }
    }
    closeQuietly();
  }

  private void closeQuietly() {
    try {
      MethodHandle close = Native.function("close", Native.jint(), Native.jint());
      int ignored = (int) close.invokeExact(epfd);
    } catch (Throwable e) {
      LOG.debug("could not close the epoll set: {}", e.toString());
    }
  }
}
