package io.github.resilientredis.bridge.http;

import java.io.IOException;
import java.lang.invoke.MethodHandle;

/**
 * One Linux epoll set, through the Foreign Function API ({@link Native}): the epoll server's
 * {@link Poller} and the departure watch of held requests on robaho's server ({@code EpollWatch})
 * each own one. Every registration carries a 64-bit token instead of the descriptor, so that an
 * event for a descriptor number since reused never reaches the wrong owner.
 */
public final class Epoll implements AutoCloseable {

  public static final int EPOLLIN = 0x1;
  public static final int EPOLLOUT = 0x4;
  public static final int EPOLLERR = 0x8;
  public static final int EPOLLHUP = 0x10;
  public static final int EPOLLRDHUP = 0x2000;
  public static final int EPOLLET = 1 << 31;
  public static final int EPOLL_CTL_ADD = 1;
  public static final int EPOLL_CTL_DEL = 2;
  private static final int EPOLL_CLOEXEC = 0x80000;
  /** struct epoll_event: packed on x86-64 (12 bytes), naturally aligned elsewhere (16). */
  private static final boolean PACKED = "amd64".equals(System.getProperty("os.arch"));
  private static final int EVENT_SIZE = PACKED ? 12 : 16;
  /** Where the event's 64 bits of user data (epoll_data_t) start. */
  private static final int DATA_OFFSET = PACKED ? 4 : 8;

  private static final Handles HANDLES = Handles.load();

  /** The C functions, looked up once per process; {@link #unavailable} says why not. */
  private record Handles(MethodHandle create, MethodHandle ctl, MethodHandle await,
      MethodHandle close, MethodHandle getInt, MethodHandle getLong, MethodHandle setInt,
      MethodHandle setLong, String unavailable) {

    static Handles load() {
      if (Native.unavailable() != null) {
        return new Handles(null, null, null, null, null, null, null, null,
            Native.unavailable());
      }
      try {
        return new Handles(
            Native.function("epoll_create1", Native.jint(), Native.jint()),
            Native.function("epoll_ctl", Native.jint(), Native.jint(), Native.jint(),
                Native.jint(), Native.address()),
            Native.function("epoll_wait", Native.jint(), Native.jint(), Native.address(),
                Native.jint(), Native.jint()),
            Native.function("close", Native.jint(), Native.jint()),
            Native.intGetter(), Native.longGetter(), Native.intSetter(), Native.longSetter(),
            null);
      } catch (ReflectiveOperationException | RuntimeException e) {
        return new Handles(null, null, null, null, null, null, null, null,
            "epoll cannot be reached: " + e);
      }
    }
  }

  /** Room for the events one {@link #await} returns, read with {@link #ready} and {@link #token}. */
  public static final class Events {
    private final Object segment;
    private final int max;

    private Events(Object segment, int max) {
      this.segment = segment;
      this.max = max;
    }

    /** The {@code i}-th event's flags ({@link #EPOLLIN} ...). */
    public int ready(int i) {
      try {
        return (int) HANDLES.getInt.invokeExact(segment, (long) i * EVENT_SIZE);
      } catch (Throwable e) {
        throw new IllegalStateException("cannot read an epoll event", e);
      }
    }

    /** The {@code i}-th event's token, as given to {@link #control}. */
    public long token(int i) {
      try {
        return (long) HANDLES.getLong.invokeExact(segment, (long) i * EVENT_SIZE + DATA_OFFSET);
      } catch (Throwable e) {
        throw new IllegalStateException("cannot read an epoll event", e);
      }
    }
  }

  private final int epfd;
  /** The struct epoll_event that every epoll_ctl call fills in, one call at a time. */
  private final Object ctlEvent;

  /** Why no epoll set can be made here (not Linux, no Foreign Function API), or null. */
  public static String unavailable() {
    return HANDLES.unavailable;
  }

  public Epoll() throws IOException {
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
  }

  /** {@code epoll_ctl(op, fd)} with these flags and token; false when it failed. */
  public boolean control(int op, int fd, int events, long token) {
    synchronized (ctlEvent) {
      try {
        HANDLES.setInt.invokeExact(ctlEvent, 0L, events);
        HANDLES.setLong.invokeExact(ctlEvent, (long) DATA_OFFSET, token);
        return (int) HANDLES.ctl.invokeExact(epfd, op, fd, ctlEvent) == 0;
      } catch (Throwable e) {
        return false;
      }
    }
  }

  /** Room for up to {@code max} events, for one thread's {@link #await}. */
  public Events events(int max) throws IOException {
    try {
      return new Events(Native.allocate((long) EVENT_SIZE * max), max);
    } catch (ReflectiveOperationException e) {
      throw new IOException("cannot allocate epoll events: " + e, e);
    }
  }

  /**
   * Waits up to {@code timeoutMillis} (-1: no limit) for events: their number (0 on timeout, -1
   * when interrupted by a signal).
   */
  public int await(Events events, int timeoutMillis) throws IOException {
    try {
      return (int) HANDLES.await.invokeExact(epfd, events.segment, events.max, timeoutMillis);
    } catch (Throwable e) {
      throw new IOException("epoll_wait failed: " + e, e);
    }
  }

  @Override
  public void close() {
    try {
      int ignored = (int) HANDLES.close.invokeExact(epfd);
    } catch (Throwable e) {
      // the process's descriptor table is the only thing left to tidy, and it cannot be reached
    }
  }
}
