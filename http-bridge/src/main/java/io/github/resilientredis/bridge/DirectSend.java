package io.github.resilientredis.bridge;

import io.github.resilientredis.bridge.http.Native;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.net.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code send(2)} with {@code MSG_DONTWAIT} on a held request's socket, from whichever thread
 * delivers a message: the fan-out fast path. A publish to 5,000 listeners is then 5,000 system
 * calls on the hub's thread, not 5,000 virtual threads woken, each to make the same call; and it
 * never blocks, so a client that does not read holds up nobody: what the socket does not take
 * at once is left to the request's own thread (see {@link HeldRequest}).
 *
 * <p>Reached through the Foreign Function API ({@link Native}: Java 22+), as the bridge compiles for
 * Java 17, and on Linux only (the flags' values are Linux's). The descriptor is read from the
 * socket by reflection too, which needs {@code java.base/java.net} and {@code java.base/java.io}
 * opened: the jar's manifest opens them ({@code Add-Opens}, and {@code Enable-Native-Access} for
 * the calls). Where any of this is missing {@link #available()} is false and every message goes
 * through the request's own thread, as before.
 *
 * <p>A send goes to the socket's own descriptor only while its request is held, its socket open
 * (checked under the request's lock, just before) and nothing else writing to it (see {@link
 * HeldRequest}). A descriptor's number is reused once it is closed; the server closes a held
 * request's socket only after its handler returned, which ends direct sends first, or on its own
 * idle check, which the request's keepalives keep away. (A duplicate descriptor of the bridge's
 * own would make reuse impossible, at the price of a second descriptor per held request: 10,000
 * held then hit this machine's limit of 20,000.)
 */
final class DirectSend {

  private static final Logger LOG = LoggerFactory.getLogger(DirectSend.class);
  /** Linux: return EAGAIN instead of blocking; no SIGPIPE on a connection the peer closed. */
  private static final int MSG_DONTWAIT = 0x40;
  private static final int MSG_NOSIGNAL = 0x4000;

  private static final DirectSend INSTANCE = load();
  private static final java.util.concurrent.atomic.LongAdder SENT =
      new java.util.concurrent.atomic.LongAdder();

  /** (int fd, MemorySegment buffer, long length, int flags) -> long sent, or -1. */
  private final MethodHandle send;
  private final Field socketImpl;
  private final Field implFd;
  private final Field fdInt;
  /** Why the fast path is off (null: on), for the startup line. */
  private final String unavailable;

  private DirectSend(MethodHandle send, Field socketImpl, Field implFd, Field fdInt,
      String unavailable) {
    this.send = send;
    this.socketImpl = socketImpl;
    this.implFd = implFd;
    this.fdInt = fdInt;
    this.unavailable = unavailable;
  }

  static boolean available() {
    return INSTANCE.unavailable == null;
  }

  /** How held requests get their messages, for the startup line. */
  static String describe() {
    return INSTANCE.unavailable == null ? "messages sent to held requests' sockets directly"
        : "messages written by each held request's thread (" + INSTANCE.unavailable + ")";
  }

  /** Sends that took at least one byte, in this process (for the metrics). */
  static long sent() {
    return SENT.sum();
  }

  /** The socket's descriptor, or -1 when it cannot be read (the fast path is then off for it). */
  static int descriptor(Socket socket) {
    DirectSend d = INSTANCE;
    if (d.unavailable != null || socket == null || socket.isClosed()) {
      return -1;
    }
    try {
      Object impl = d.socketImpl.get(socket);
      Object fd = impl == null ? null : d.implFd.get(impl);
      return fd == null ? -1 : d.fdInt.getInt(fd);
    } catch (IllegalAccessException | RuntimeException e) {
      return -1;
    }
  }

  /** Bytes in native memory, ready for {@link #send}; made once per message and shape. */
  static Object buffer(byte[] bytes) {
    try {
      return Native.copy(bytes);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot copy a message to native memory", e);
    }
  }

  /**
   * Sends what the socket takes now of {@code length} bytes of {@code buffer}: their number, or
   * -1 when it takes nothing (full, or the connection is gone: the request's thread finds out).
   */
  static long send(int fd, Object buffer, long length) {
    try {
      long sent = (long) INSTANCE.send.invokeExact(fd, buffer, length,
          MSG_DONTWAIT | MSG_NOSIGNAL);
      if (sent > 0) {
        SENT.increment();
      }
      return sent;
    } catch (Throwable e) {
      return -1;
    }
  }

  private static DirectSend load() {
    if (Native.unavailable() != null) {
      return off(Native.unavailable());
    }
    Field socketImpl;
    Field implFd;
    Field fdInt;
    try {
      socketImpl = open(Socket.class.getDeclaredField("impl"));
      implFd = open(java.net.SocketImpl.class.getDeclaredField("fd"));
      fdInt = open(java.io.FileDescriptor.class.getDeclaredField("fd"));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return off("sockets' descriptors are closed to the bridge: run it with -jar, whose manifest"
          + " opens them, or add --add-opens java.base/java.net=ALL-UNNAMED"
          + " --add-opens java.base/java.io=ALL-UNNAMED");
    }
    try {
      MethodHandle send = Native.function("send", Native.jlong(), Native.jint(), Native.address(),
          Native.jlong(), Native.jint());
      send(send); // one call, so that a mistake shows here and not at a publish
      return new DirectSend(send, socketImpl, implFd, fdInt, null);
    } catch (Throwable e) {
      LOG.debug("no direct sends", e);
      return off("the Foreign Function API refused: " + e);
    }
  }

  /** A send of nothing on no descriptor: -1 (EBADF), proving the handle links and runs. */
  private static void send(MethodHandle send) throws Throwable {
    long sent = (long) send.invokeExact(-1, Native.copy(new byte[1]), 0L, MSG_DONTWAIT);
    if (sent != -1) {
      throw new IllegalStateException("send(-1, ...) returned " + sent);
    }
  }

  private static Field open(Field field) {
    field.setAccessible(true);
    return field;
  }

  private static DirectSend off(String why) {
    return new DirectSend(null, null, null, null, why);
  }
}
