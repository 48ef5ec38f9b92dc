package io.github.resilientredis.bridge;

import static io.github.resilientredis.bridge.http.Epoll.EPOLLERR;
import static io.github.resilientredis.bridge.http.Epoll.EPOLLHUP;
import static io.github.resilientredis.bridge.http.Epoll.EPOLLRDHUP;
import static io.github.resilientredis.bridge.http.Epoll.EPOLL_CTL_ADD;
import static io.github.resilientredis.bridge.http.Epoll.EPOLL_CTL_DEL;

import io.github.resilientredis.bridge.http.Epoll;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that the clients of held requests closed their connections without reading from
 * them: one {@link Epoll} set (Linux, through the Foreign Function API) holds every watched
 * socket for {@code EPOLLRDHUP} (the client's FIN), {@code EPOLLHUP} and {@code EPOLLERR} (a
 * reset), and one thread waits on it. Nothing the client sends is consumed, so the connection serves its next
 * request once the held one is answered: a long-poll's client polls again on the same connection,
 * without the close and reconnect a watch that reads must impose ({@code Connection: close}).
 * Where it cannot run, {@link #INSTANCE} is null and {@link DepartureWatch} reads instead.
 */
final class EpollWatch {

  private static final Logger LOG = LoggerFactory.getLogger(EpollWatch.class);
  private static final int MAX_EVENTS = 256;

  /** The process's watch, or null where epoll cannot be reached. */
  static final EpollWatch INSTANCE = start();

  /** One watched socket; {@link #removed} turns true once it has left the epoll set. */
  static final class Watch {
    final int fd;
    final long token;
    final Runnable onDeparture;
    private boolean removed; // guarded by this

    Watch(int fd, long token, Runnable onDeparture) {
      this.fd = fd;
      this.token = token;
      this.onDeparture = onDeparture;
    }
  }

  private final Epoll epoll;
  private final Map<Long, Watch> watches = new ConcurrentHashMap<>();
  private final AtomicLong tokens = new AtomicLong();

  private EpollWatch(Epoll epoll) {
    this.epoll = epoll;
  }

  private static EpollWatch start() {
    if (Epoll.unavailable() != null) {
      return null;
    }
    try {
      EpollWatch watch = new EpollWatch(new Epoll());
      Thread thread = new Thread(watch::run, "bridge-held-departures");
      thread.setDaemon(true);
      thread.start();
      return watch;
    } catch (IOException | RuntimeException e) {
      LOG.debug("no epoll watch", e);
      return null;
    }
  }

  /** Watches {@code fd}; {@code onDeparture} runs once, on the watch's thread. Null: cannot. */
  Watch watch(int fd, Runnable onDeparture) {
    Watch watch = new Watch(fd, tokens.incrementAndGet(), onDeparture);
    watches.put(watch.token, watch);
    if (!epoll.control(EPOLL_CTL_ADD, fd, EPOLLRDHUP | EPOLLHUP | EPOLLERR, watch.token)) {
      watches.remove(watch.token);
      return null;
    }
    return watch;
  }

  /**
   * Stops watching, before the socket may be closed: on return the descriptor has left the set,
   * so that its number, once reused, is not watched on behalf of this request.
   */
  void unwatch(Watch watch) {
    watches.remove(watch.token);
    remove(watch);
  }

  private void remove(Watch watch) {
    synchronized (watch) {
      if (!watch.removed) {
        watch.removed = true;
        epoll.control(EPOLL_CTL_DEL, watch.fd, 0, 0);
      }
    }
  }

  private void run() {
    Epoll.Events events;
    try {
      events = epoll.events(MAX_EVENTS);
    } catch (IOException e) {
      LOG.error("departure watch cannot start: {}", e.toString());
      return;
    }
    while (true) {
      int n;
      try {
        n = epoll.await(events, -1);
      } catch (IOException e) {
        LOG.error("departure watch stopped: {}", e.toString());
        return;
      }
      for (int i = 0; i < n; i++) {
        Watch watch = watches.remove(events.token(i));
        if (watch != null) {
          remove(watch); // level-triggered: out of the set before it reports again
          try {
            watch.onDeparture.run();
          } catch (RuntimeException e) {
            LOG.warn("a held request's departure failed: {}", e.toString());
          }
        }
      }
    }
  }
}
