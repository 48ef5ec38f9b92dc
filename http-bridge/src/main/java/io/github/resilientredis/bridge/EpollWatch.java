package io.github.resilientredis.bridge;

import static io.github.resilientredis.bridge.http.Epoll.DATA_OFFSET;
import static io.github.resilientredis.bridge.http.Epoll.EPOLLERR;
import static io.github.resilientredis.bridge.http.Epoll.EPOLLHUP;
import static io.github.resilientredis.bridge.http.Epoll.EPOLLRDHUP;
import static io.github.resilientredis.bridge.http.Epoll.EPOLL_CLOEXEC;
import static io.github.resilientredis.bridge.http.Epoll.EPOLL_CTL_ADD;
import static io.github.resilientredis.bridge.http.Epoll.EPOLL_CTL_DEL;
import static io.github.resilientredis.bridge.http.Epoll.EVENT_SIZE;

import io.github.resilientredis.bridge.http.Native;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that the clients of held requests closed their connections without reading from
 * them: one epoll set (Linux, through {@link Native}) holds every watched socket for
 * {@code EPOLLRDHUP} (the client's FIN), {@code EPOLLHUP} and {@code EPOLLERR} (a reset), and one
 * thread waits on it. Nothing the client sends is consumed, so the connection serves its next
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

  private final int epfd;
  /** (int epfd, int op, int fd, Object event) -> int. */
  private final MethodHandle ctl;
  /** (int epfd, Object events, int max, int timeout) -> int. */
  private final MethodHandle await;
  private final MethodHandle getLong;
  private final MethodHandle setInt;
  private final MethodHandle setLong;
  /** The struct epoll_event that every epoll_ctl call fills in, one call at a time. */
  private final Object ctlEvent;
  private final Map<Long, Watch> watches = new ConcurrentHashMap<>();
  private final AtomicLong tokens = new AtomicLong();

  private EpollWatch(int epfd, MethodHandle ctl, MethodHandle await) throws Exception {
    this.epfd = epfd;
    this.ctl = ctl;
    this.await = await;
    this.getLong = Native.longGetter();
    this.setInt = Native.intSetter();
    this.setLong = Native.longSetter();
    this.ctlEvent = Native.allocate(EVENT_SIZE);
  }

  private static EpollWatch start() {
    if (Native.unavailable() != null) {
      return null;
    }
    try {
      MethodHandle create = Native.function("epoll_create1", Native.jint(), Native.jint());
      MethodHandle ctl = Native.function("epoll_ctl", Native.jint(), Native.jint(), Native.jint(),
          Native.jint(), Native.address());
      MethodHandle await = Native.function("epoll_wait", Native.jint(), Native.jint(),
          Native.address(), Native.jint(), Native.jint());
      int epfd = (int) create.invokeExact(EPOLL_CLOEXEC);
      if (epfd < 0) {
        return null;
      }
      EpollWatch watch = new EpollWatch(epfd, ctl, await);
      Thread thread = new Thread(watch::run, "bridge-held-departures");
      thread.setDaemon(true);
      thread.start();
      return watch;
    } catch (Throwable e) {
      LOG.debug("no epoll watch", e);
      return null;
    }
  }

  /** Watches {@code fd}; {@code onDeparture} runs once, on the watch's thread. Null: cannot. */
  Watch watch(int fd, Runnable onDeparture) {
    Watch watch = new Watch(fd, tokens.incrementAndGet(), onDeparture);
    watches.put(watch.token, watch);
    if (control(EPOLL_CTL_ADD, fd, EPOLLRDHUP | EPOLLHUP | EPOLLERR, watch.token) != 0) {
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
        control(EPOLL_CTL_DEL, watch.fd, 0, 0);
      }
    }
  }

  private int control(int op, int fd, int events, long token) {
    synchronized (ctlEvent) {
      try {
        setInt.invokeExact(ctlEvent, 0L, events);
        setLong.invokeExact(ctlEvent, (long) DATA_OFFSET, token);
        return (int) ctl.invokeExact(epfd, op, fd, ctlEvent);
      } catch (Throwable e) {
        return -1;
      }
    }
  }

  private void run() {
    Object events;
    try {
      events = Native.allocate((long) EVENT_SIZE * MAX_EVENTS);
    } catch (ReflectiveOperationException e) {
      LOG.error("departure watch cannot start: {}", e.toString());
      return;
    }
    while (true) {
      int n;
      try {
        n = (int) await.invokeExact(epfd, events, MAX_EVENTS, -1);
      } catch (Throwable e) {
        LOG.error("departure watch stopped: {}", e.toString());
        return;
      }
      for (int i = 0; i < n; i++) {
        long token;
        try {
          token = (long) getLong.invokeExact(events, (long) i * EVENT_SIZE + DATA_OFFSET);
        } catch (Throwable e) {
          continue;
        }
        Watch watch = watches.remove(token);
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
