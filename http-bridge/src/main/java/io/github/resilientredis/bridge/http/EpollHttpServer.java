package io.github.resilientredis.bridge.http;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link HttpServer} over plain HTTP/1.1 (and 1.0) for Linux on Java 22+: a platform thread
 * accepts, each connection runs on a thread of the executor (virtual threads unless set
 * otherwise) for its whole life, and one {@link Poller} wakes a connection's thread when its
 * socket has bytes or room. Between requests a connection waits at most keepalive-idle; a request
 * must arrive whole, head and body, within request-read-timeout; handling it has no limit (a held
 * request may take hours). Made by {@link EpollHttpServerProvider}.
 */
public final class EpollHttpServer extends HttpServer {

  private static final Logger LOG = LoggerFactory.getLogger(EpollHttpServer.class);
  private static final int DEFAULT_BACKLOG = 1024;
  static final Field FD = descriptorField();

  private final List<Context> contexts = new CopyOnWriteArrayList<>();
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private ServerSocketChannel listener;
  private Executor executor;
  private Poller poller;
  private Thread acceptor;
  volatile boolean stopping;
  volatile long keepAliveIdleNanos = TimeUnit.SECONDS.toNanos(30);
  volatile long requestReadNanos = TimeUnit.SECONDS.toNanos(30);
  volatile int maxHeadBytes = RequestHead.DEFAULT_MAX_BYTES;
  volatile String headLimitWhy = "";

  EpollHttpServer(InetSocketAddress address, int backlog) throws IOException {
    if (address != null) {
      bind(address, backlog);
    }
  }

  /**
   * How long a connection may wait for its next request, and how long a request may take to
   * arrive (and a write to a client that reads nothing may wait); both 30 s unless set.
   */
  public void setTimeouts(Duration keepAliveIdle, Duration requestRead) {
    keepAliveIdleNanos = positive("keepAliveIdle", keepAliveIdle).toNanos();
    requestReadNanos = positive("requestRead", requestRead).toNanos();
  }

  /**
   * The most a request's line and headers may take together (64 KiB unless set); a longer one
   * gets 414 or 431, whose message ends with {@code why} (where the limit comes from; may be
   * empty).
   */
  public void setMaxRequestHead(int bytes, String why) {
    if (bytes < 1024 || bytes > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("maxRequestHead must be 1024 bytes or more: " + bytes);
    }
    maxHeadBytes = bytes;
    headLimitWhy = why == null || why.isEmpty() ? "" : " (" + why + ")";
  }

  private static Duration positive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be more than zero: " + value);
    }
    return value;
  }

  @Override
  public synchronized void bind(InetSocketAddress address, int backlog) throws IOException {
    if (listener != null) {
      throw new BindException("the server is bound already, to " + getAddress());
    }
    ServerSocketChannel channel = ServerSocketChannel.open();
    try {
      channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      channel.bind(address, backlog > 0 ? backlog : DEFAULT_BACKLOG);
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    listener = channel;
  }

  @Override
  public synchronized void start() {
    if (listener == null) {
      throw new IllegalStateException("the server is not bound");
    }
    if (acceptor != null) {
      throw new IllegalStateException("the server was started already");
    }
    if (executor == null) {
      executor = virtualThreadPerTask();
    }
    int port = getAddress().getPort();
    try {
      poller = new Poller("http-poller-" + port);
    } catch (IOException e) {
      throw new IllegalStateException("the HTTP server cannot start: " + e.getMessage(), e);
    }
    acceptor = new Thread(this::accept, "http-accept-" + port); // not a daemon: as the JDK's
    acceptor.start();
  }

  private void accept() {
    long lastWarning = 0;
    while (!stopping) {
      SocketChannel channel;
      try {
        channel = listener.accept();
      } catch (ClosedChannelException e) {
        return; // stopped
      } catch (IOException e) {
        // Out of descriptors, most likely: the connection waits in the backlog meanwhile.
        if (System.nanoTime() - lastWarning > TimeUnit.SECONDS.toNanos(10)) {
          lastWarning = System.nanoTime();
          LOG.warn("cannot accept a connection: {}", e.toString());
        }
        sleepQuietly(10);
        continue;
      }
      serve(channel);
    }
  }

  private void serve(SocketChannel channel) {
    Connection connection = null;
    try {
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      connection = new Connection(this, channel, FD.getInt(channel));
      connections.add(connection);
      poller.register(connection);
      executor.execute(connection);
    } catch (IOException | IllegalAccessException | RejectedExecutionException e) {
      LOG.debug("could not serve a connection: {}", e.toString());
      if (connection != null) {
        connection.close();
      } else {
        closeQuietly(channel);
      }
    }
  }

  /** Runs the exchange through its context; a handler that throws gets the connection closed. */
  void handle(Exchange exchange) {
    String path = exchange.getRequestURI().getRawPath();
    Context context = contextFor(path == null ? "" : path);
    if (context == null) {
      exchange.failed404();
      return;
    }
    exchange.context(context);
    try {
      context.handle(exchange);
    } catch (Throwable e) {
      LOG.debug("the handler of {} failed: {}", context.getPath(), e.toString(), e);
      exchange.failed("ERR internal error in the HTTP handler: " + e.getClass().getSimpleName());
    }
  }

  /** The context whose path is the longest prefix of {@code path}. */
  private Context contextFor(String path) {
    Context best = null;
    for (Context context : contexts) {
      if (path.startsWith(context.getPath())
          && (best == null || context.getPath().length() > best.getPath().length())) {
        best = context;
      }
    }
    return best;
  }

  void forget(Connection connection) {
    connections.remove(connection);
    Poller p = poller;
    if (p != null) {
      p.forget(connection);
    }
  }

  @Override
  public void setExecutor(Executor executor) {
    synchronized (this) {
      if (acceptor != null) {
        throw new IllegalStateException("the server was started already");
      }
      this.executor = executor;
    }
  }

  @Override
  public Executor getExecutor() {
    return executor;
  }

  /**
   * Stops accepting, closes idle connections at once, lets exchanges in progress finish for up to
   * {@code delay} seconds, then closes what is left.
   */
  @Override
  public void stop(int delay) {
    if (delay < 0) {
      throw new IllegalArgumentException("delay must be zero or more: " + delay);
    }
    stopping = true;
    closeQuietly(listener);
    for (Connection connection : connections) {
      connection.wakeIfIdle();
    }
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(delay);
    while (!connections.isEmpty() && System.nanoTime() - until < 0) {
      sleepQuietly(10);
    }
    for (Connection connection : connections) {
      connection.close();
    }
    Thread accepting = acceptor;
    if (accepting != null) {
      try {
        accepting.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (poller != null) {
      poller.close();
    }
  }

  @Override
  public HttpContext createContext(String path, HttpHandler handler) {
    if (handler == null) {
      throw new NullPointerException("handler");
    }
    return addContext(path, handler);
  }

  @Override
  public HttpContext createContext(String path) {
    return addContext(path, null);
  }

  private synchronized HttpContext addContext(String path, HttpHandler handler) {
    if (path == null || !path.startsWith("/")) {
      throw new IllegalArgumentException("a context's path starts with '/': " + path);
    }
    for (Context context : contexts) {
      if (context.getPath().equals(path)) {
        throw new IllegalArgumentException("a context for " + path + " exists already");
      }
    }
    Context context = new Context(path, handler, this);
    contexts.add(context);
    return context;
  }

  @Override
  public synchronized void removeContext(String path) {
    if (!contexts.removeIf(c -> c.getPath().equals(path))) {
      throw new IllegalArgumentException("no context for " + path);
    }
  }

  @Override
  public void removeContext(HttpContext context) {
    if (!contexts.remove(context)) {
      throw new IllegalArgumentException("not a context of this server: " + context.getPath());
    }
  }

  @Override
  public InetSocketAddress getAddress() {
    try {
      return listener == null ? null : (InetSocketAddress) listener.getLocalAddress();
    } catch (IOException e) {
      return null; // closed
    }
  }

  /** The descriptor field of the JDK's socket channels, or null where it is closed to us. */
  private static Field descriptorField() {
    try {
      Field field = Class.forName("sun.nio.ch.SocketChannelImpl").getDeclaredField("fdVal");
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static Executor virtualThreadPerTask() {
    try {
      return (Executor) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
          .invoke(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("no virtual threads on Java " + Runtime.version(), e);
    }
  }

  private static void closeQuietly(java.io.Closeable closeable) {
    try {
      if (closeable != null) {
        closeable.close();
      }
    } catch (IOException e) {
      LOG.trace("close: {}", e.toString());
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
