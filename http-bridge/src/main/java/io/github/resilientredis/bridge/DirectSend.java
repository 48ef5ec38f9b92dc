package io.github.resilientredis.bridge;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.Socket;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code send(2)} with {@code MSG_DONTWAIT} on a held request's socket, from whichever thread
 * delivers a message: the fan-out fast path. A publish to 5,000 listeners is then 5,000 system
 * calls on the hub's thread, not 5,000 virtual threads woken, each to make the same call; and it
 * never blocks, so a client that does not read holds up nobody: what the socket does not take
 * at once is left to the request's own thread (see {@link HeldRequest}).
 *
 * <p>Reached through the Foreign Function API (Java 22+) by reflection, as the bridge compiles for
 * Java 17, and on Linux only (the flags' values are Linux's). The descriptor is read from the
 * socket by reflection too, which needs {@code java.base/java.net} and {@code java.base/java.io}
 * opened: the jar's manifest opens them ({@code Add-Opens}, and {@code Enable-Native-Access} for
 * the calls). Where any of this is missing {@link #available()} is false and every message goes
 * through the request's own thread, as before.
 *
 * <p>A send goes to the socket's own descriptor only while its request is held, its socket open
 * and nothing else writing to it (see {@link HeldRequest}). A descriptor's number is reused once
 * it is closed; the server closes a held request's socket only after its handler returned (or on
 * its own idle check, which the request's keepalives keep away), and even then the close is
 * finished only when the departure watch's read, pending on the socket all along, has returned.
 * (A duplicate descriptor of the bridge's own would make reuse impossible, at the price of a
 * second descriptor per held request: 10,000 held then hit this machine's limit of 20,000.)
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
  /** Bytes to a MemorySegment of native memory that the garbage collector frees. */
  private final Allocator allocator;
  private final Field socketImpl;
  private final Field implFd;
  private final Field fdInt;
  /** Why the fast path is off (null: on), for the startup line. */
  private final String unavailable;

  private interface Allocator {
    Object copy(byte[] bytes) throws ReflectiveOperationException;
  }

  private DirectSend(MethodHandle[] calls, Allocator allocator, Field socketImpl, Field implFd,
      Field fdInt, String unavailable) {
    this.send = calls == null ? null : calls[0];
    this.allocator = allocator;
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
      return INSTANCE.allocator.copy(bytes);
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
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (!os.contains("linux")) {
      return off("not Linux");
    }
    if (Runtime.version().feature() < 22) {
      return off("Java " + Runtime.version().feature() + " has no Foreign Function API; 22+ has");
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
      Class<?> linkerType = Class.forName("java.lang.foreign.Linker");
      Class<?> segmentType = Class.forName("java.lang.foreign.MemorySegment");
      Class<?> layoutType = Class.forName("java.lang.foreign.MemoryLayout");
      Class<?> valueLayout = Class.forName("java.lang.foreign.ValueLayout");
      Class<?> descriptorType = Class.forName("java.lang.foreign.FunctionDescriptor");
      Class<?> optionType = Class.forName("java.lang.foreign.Linker$Option");
      Class<?> arenaType = Class.forName("java.lang.foreign.Arena");
      Class<?> allocatorType = Class.forName("java.lang.foreign.SegmentAllocator");

      Object linker = linkerType.getMethod("nativeLinker").invoke(null);
      Object symbols = linkerType.getMethod("defaultLookup").invoke(linker);
      Method find = Class.forName("java.lang.foreign.SymbolLookup").getMethod("find",
          String.class);
      Method downcall = linkerType.getMethod("downcallHandle", segmentType, descriptorType,
          optionType.arrayType());
      Object jint = valueLayout.getField("JAVA_INT").get(null);
      Object jlong = valueLayout.getField("JAVA_LONG").get(null);
      Object address = valueLayout.getField("ADDRESS").get(null);
      // name, result, arguments
      Object[][] signatures = {{"send", jlong, jint, address, jlong, jint}};
      MethodHandle[] calls = new MethodHandle[signatures.length];
      for (int i = 0; i < signatures.length; i++) {
        Object[] signature = signatures[i];
        Optional<?> symbol = (Optional<?>) find.invoke(symbols, signature[0]);
        if (symbol.isEmpty()) {
          return off("the C library has no " + signature[0] + "()");
        }
        Object arguments = Array.newInstance(layoutType, signature.length - 2);
        for (int a = 2; a < signature.length; a++) {
          Array.set(arguments, a - 2, signature[a]);
        }
        Object descriptor = descriptorType.getMethod("of", layoutType, arguments.getClass())
            .invoke(null, signature[1], arguments);
        calls[i] = (MethodHandle) downcall.invoke(linker, symbol.get(), descriptor,
            Array.newInstance(optionType, 0));
      }
      // the buffer as an Object: the bridge compiles for Java 17, which has no MemorySegment
      calls[0] = calls[0].asType(MethodType.methodType(long.class, int.class, Object.class,
          long.class, int.class));

      // Once per message, not per listener: plain reflection is quick enough here.
      // An automatic arena of its own for each buffer: freed once the message is no longer used
      // (an arena frees its segments together, when it is itself unreachable).
      Method ofAuto = arenaType.getMethod("ofAuto");
      Method allocate = allocatorType.getMethod("allocate", long.class);
      Method ofArray = segmentType.getMethod("ofArray", byte[].class);
      Method copyFrom = segmentType.getMethod("copyFrom", segmentType);
      Allocator allocator = bytes -> {
        Object segment = allocate.invoke(ofAuto.invoke(null), (long) bytes.length);
        copyFrom.invoke(segment, ofArray.invoke(null, (Object) bytes));
        return segment;
      };
      send(calls[0], allocator); // one call, so that a mistake shows here and not at a publish
      return new DirectSend(calls, allocator, socketImpl, implFd, fdInt, null);
    } catch (Throwable e) {
      LOG.debug("no direct sends", e);
      return off("the Foreign Function API refused: " + e);
    }
  }

  /** A send of nothing on no descriptor: -1 (EBADF), proving the handle links and runs. */
  private static void send(MethodHandle send, Allocator allocator) throws Throwable {
    long sent = (long) send.invokeExact(-1, allocator.copy(new byte[1]), 0L, MSG_DONTWAIT);
    if (sent != -1) {
      throw new IllegalStateException("send(-1, ...) returned " + sent);
    }
  }

  private static Field open(Field field) {
    field.setAccessible(true);
    return field;
  }

  private static DirectSend off(String why) {
    return new DirectSend(null, null, null, null, null, why);
  }
}
