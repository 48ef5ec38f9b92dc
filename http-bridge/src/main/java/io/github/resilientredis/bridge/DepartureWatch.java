package io.github.resilientredis.bridge;

import com.sun.net.httpserver.HttpExchange;
import io.github.resilientredis.bridge.http.HeldConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that the client of a held request closed its connection without writing to it: a
 * virtual thread blocks reading the connection's socket and sees the end of the stream the moment
 * the client closes. A virtual thread blocked in a read waits in the JDK's poller (epoll), so
 * ten thousand of them cost memory, not CPU, where the alternative, a keepalive write to every
 * held request every half second, costs tens of thousands of writes a second.
 *
 * <p>On the bridge's own epoll server ({@link HeldConnection}) the server's poller, which holds
 * every connection already, reports the departure: nothing to add or read. Elsewhere only
 * where that is safe: robaho's server over HTTP/1.1 on Java 21+ (virtual threads), its
 * socket reached through its exchange classes ({@code impl.connection.socket}, by reflection;
 * the bridge never depends on them otherwise). Anywhere else (the JDK's own server, HTTP/2, a
 * robaho that changed its classes, robaho on the module path) {@link #start} returns null and the
 * held request notices a departure on its keepalive writes instead.
 *
 * <p>The request has been read whole before it is held, so the client has nothing more to send;
 * bytes it sends anyway (a pipelined request) are read here and cannot be handed back to the
 * server. So a reply watched by reading says {@code Connection: close} (the caller sets it, see
 * {@link #consumesInput}) and the server closes the connection after it; that close also ends
 * the watching thread. Where {@link EpollWatch} runs (Linux, Java 22+, from the jar), it watches
 * instead, reading nothing: the connection then stays open for the client's next request.
 */
final class DepartureWatch {

  private static final Logger LOG = LoggerFactory.getLogger(DepartureWatch.class);
  private static final String ROBAHO_HTTP = "robaho.net.httpserver.HttpExchangeImpl";
  private static final String ROBAHO_HTTPS = "robaho.net.httpserver.HttpsExchangeImpl";
  private static final String ROBAHO_BODY = "robaho.net.httpserver.PlaceholderOutputStream";
  private static final String ROBAHO_CHUNKED = "robaho.net.httpserver.ChunkedOutputStream";
  /** Bytes a client may send while held before it is treated as gone (it is not HTTP/1.1). */
  private static final int MAX_UNEXPECTED = 64 * 1024;
  private static final ThreadFactory THREADS = virtualThreads();
  private static final Map<String, Field> FIELDS = new ConcurrentHashMap<>();
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  /** The connection's socket on robaho's server; null on the bridge's epoll server. */
  private final Socket socket;
  /** The exchange on the bridge's epoll server, which watches its connections itself. */
  private final HeldConnection held;
  private final boolean tls;
  /** The socket's descriptor where the Foreign Function API runs ({@link DirectSend}), else -1. */
  private final int fd;
  private final Runnable onDeparture;
  /** The socket's entry in the epoll set; null: a virtual thread reads it instead. */
  private volatile EpollWatch.Watch epoll;
  private volatile boolean stopped;

  private DepartureWatch(Socket socket, HeldConnection held, boolean tls, Runnable onDeparture) {
    this.socket = socket;
    this.held = held;
    this.tls = tls;
    this.fd = held != null ? held.descriptor() : DirectSend.descriptor(socket);
    this.onDeparture = () -> {
      if (!stopped) {
        onDeparture.run();
      }
    };
  }

  /**
   * Starts watching the exchange's connection: {@code onDeparture} runs once, on the watching
   * thread, when the client closes it (unless {@link #stop} came first). Null when this exchange
   * cannot be watched.
   */
  static DepartureWatch start(HttpExchange exchange, Runnable onDeparture) {
    if (exchange instanceof HeldConnection held) {
      if (!"HTTP/1.1".equalsIgnoreCase(exchange.getProtocol())) {
        return null; // no chunks to send directly; its keepalive writes find a departure
      }
      DepartureWatch watch = new DepartureWatch(null, held, false, onDeparture);
      held.watchDeparture(watch.onDeparture); // its poller already holds the socket
      return watch;
    }
    Socket socket = socketOf(exchange);
    if (socket == null) {
      return null;
    }
    DepartureWatch watch = new DepartureWatch(socket, null,
        exchange.getClass().getName().equals(ROBAHO_HTTPS), onDeparture);
    if (EpollWatch.INSTANCE != null && watch.fd >= 0) {
      watch.epoll = EpollWatch.INSTANCE.watch(watch.fd, watch.onDeparture);
    }
    if (watch.epoll == null) {
      THREADS.newThread(watch::run).start();
    }
    return watch;
  }

  /**
   * Whether this watch reads the connection, so that the reply must close it ({@code
   * Connection: close}): what the client sends meanwhile is consumed here.
   */
  boolean consumesInput() {
    return held == null && epoll == null;
  }

  /**
   * The watched connection for {@link DirectSend}s, or null: over TLS (bytes must go through the
   * TLS engine), or where direct sends are unavailable. {@code body} is the reply's chunked body
   * stream, its headers flushed.
   */
  HeldRequest.Direct direct(OutputStream body) throws IOException {
    if (tls || fd < 0 || !DirectSend.available()) {
      return null;
    }
    if (held != null) {
      return new HeldRequest.Direct(fd, held::isOpen, held.raw(), held::replyEndedElsewhere);
    }
    return new HeldRequest.Direct(fd, () -> !socket.isClosed(), socket.getOutputStream(),
        replyEnder(body));
  }

  /**
   * What marks robaho's chunked body stream as ended, for a reply whose last chunk went to the
   * socket directly: closing the exchange then writes no second last chunk (which the client
   * would read as the start of the next reply). Reached by reflection, as the socket is; null
   * when the stream is not robaho's as expected, and long-polls are then answered the slow way.
   */
  private static Runnable replyEnder(OutputStream body) {
    try {
      Object stream = body;
      if (stream.getClass().getName().equals(ROBAHO_BODY)) {
        stream = field(stream.getClass(), "wrapped").get(stream);
      }
      if (stream == null || !stream.getClass().getName().equals(ROBAHO_CHUNKED)) {
        return null;
      }
      Field closed = field(stream.getClass(), "closed");
      if (closed.getType() != boolean.class || closed.getBoolean(stream)) {
        return null;
      }
      Object chunked = stream;
      return () -> {
        try {
          closed.setBoolean(chunked, true);
        } catch (IllegalAccessException e) {
          throw new IllegalStateException("robaho's body stream refused: " + e, e);
        }
      };
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("long-polls are not answered directly on this server: {}", e.toString());
      return null;
    }
  }

  /**
   * Whether the server ends a reply that stays silent too long (robaho's maxReqTime), so that the
   * held request must write within it; the epoll server does not.
   */
  boolean serverLimitsSilence() {
    return held == null;
  }

  /** The request ended without its client leaving: a later close is no news. */
  void stop() {
    stopped = true;
    if (held != null) {
      held.unwatchDeparture();
    }
    EpollWatch.Watch entry = epoll;
    if (entry != null) {
      EpollWatch.INSTANCE.unwatch(entry); // before the server may close the socket
    }
  }

  private void run() {
    byte[] buffer = new byte[512];
    int unexpected = 0;
    try {
      InputStream in = socket.getInputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        unexpected += n;
        if (unexpected > MAX_UNEXPECTED) {
          break;
        }
      }
    } catch (IOException e) {
      // reset by the client, or closed by the server after the reply: either way the end
    }
    onDeparture.run(); // nothing when stopped
  }

  /** The exchange's socket, or null when it cannot (or must not) be reached. */
  private static Socket socketOf(HttpExchange exchange) {
    String type = exchange.getClass().getName();
    if (THREADS == null || (!type.equals(ROBAHO_HTTP) && !type.equals(ROBAHO_HTTPS))
        || !"HTTP/1.1".equalsIgnoreCase(exchange.getProtocol())) {
      return null;
    }
    try {
      Object impl = field(exchange.getClass(), "impl").get(exchange);
      Object connection = field(impl.getClass(), "connection").get(impl);
      Object socket = field(connection.getClass(), "socket").get(connection);
      return socket instanceof Socket s && !s.isClosed() ? s : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      if (WARNED.compareAndSet(false, true)) {
        LOG.warn("cannot watch held requests' connections on this server ({}); a client that"
            + " leaves is noticed on keepalive writes instead (stream-keepalive)", e.toString());
      }
      return null;
    }
  }

  private static Field field(Class<?> type, String name) throws NoSuchFieldException {
    String key = type.getName() + '#' + name;
    Field field = FIELDS.get(key);
    if (field == null) {
      field = type.getDeclaredField(name);
      field.setAccessible(true); // throws when the class sits in a named module that hides it
      FIELDS.put(key, field);
    }
    return field;
  }

  private static ThreadFactory virtualThreads() {
    try {
      return VirtualThreads.factory("bridge-held-watch-");
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // Java 17: no virtual threads, no watching (a platform thread each is too dear)
    }
  }
}
