package io.github.resilientredis.bridge.http;

/**
 * Linux's epoll constants and the layout of its {@code struct epoll_event}, for the two epoll sets
 * of the bridge: the epoll server's {@link Poller} and the departure watch of held requests on
 * robaho's server ({@code EpollWatch}).
 */
public final class Epoll {

  public static final int EPOLLIN = 0x1;
  public static final int EPOLLOUT = 0x4;
  public static final int EPOLLERR = 0x8;
  public static final int EPOLLHUP = 0x10;
  public static final int EPOLLRDHUP = 0x2000;
  public static final int EPOLLET = 1 << 31;
  public static final int EPOLL_CTL_ADD = 1;
  public static final int EPOLL_CTL_DEL = 2;
  public static final int EPOLL_CLOEXEC = 0x80000;
  /** struct epoll_event: packed on x86-64 (12 bytes), naturally aligned elsewhere (16). */
  private static final boolean PACKED = "amd64".equals(System.getProperty("os.arch"));
  public static final int EVENT_SIZE = PACKED ? 12 : 16;
  /** Where the event's 64 bits of user data (epoll_data_t) start. */
  public static final int DATA_OFFSET = PACKED ? 4 : 8;

  private Epoll() {}
}
