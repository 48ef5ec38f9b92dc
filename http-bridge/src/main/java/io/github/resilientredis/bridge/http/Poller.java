package io.github.resilientredis.bridge.http;

import static io.github.resilientredis.bridge.http.Epoll.EPOLLET;
import static io.github.resilientredis.bridge.http.Epoll.EPOLLIN;
import static io.github.resilientredis.bridge.http.Epoll.EPOLLOUT;
import static io.github.resilientredis.bridge.http.Epoll.EPOLLRDHUP;
import static io.github.resilientredis.bridge.http.Epoll.EPOLL_CTL_ADD;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One edge-triggered {@link Epoll} set holding every connection of the
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

  private final Epoll epoll;
  private final Map<Long, Connection> connections = new ConcurrentHashMap<>();
  private final AtomicLong tokens = new AtomicLong();
  private volatile boolean closed;

  Poller(String name) throws IOException {
    epoll = new Epoll();
    Thread thread = new Thread(this::run, name);
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
    if (!epoll.control(EPOLL_CTL_ADD, connection.fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
        token)) {
      connections.remove(token);
      throw new IOException("epoll_ctl could not add descriptor " + connection.fd);
    }
  }

  /** The connection's socket is about to close: no more events for it. */
  void forget(Connection connection) {
    connections.remove(connection.token);
  }

  /** Stops the thread within {@link #SWEEP_MILLIS} (its wait's timeout); it closes the set. */
  void close() {
    closed = true;
  }

  private void run() {
    try {
      Epoll.Events events = epoll.events(MAX_EVENTS);
      long lastSweep = System.nanoTime();
      while (!closed) {
        int n = epoll.await(events, SWEEP_MILLIS);
        for (int i = 0; i < n; i++) {
          Connection connection = connections.get(events.token(i));
          if (connection != null) {
            connection.ready(events.ready(i));
          }
        }
        long now = System.nanoTime();
        if (now - lastSweep >= TimeUnit.MILLISECONDS.toNanos(SWEEP_MILLIS)) {
          lastSweep = now;
          for (Connection connection : connections.values()) {
            connection.wakeIfOverdue(now);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("the HTTP server's poller stopped: {}", e.toString());
    } finally {
      epoll.close();
    }
  }
}
