package io.github.resilientredis.bridge;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import io.github.resilientredis.bridge.http.EpollHttpServer;
import io.github.resilientredis.bridge.http.EpollHttpServerProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;

/**
 * Which implementation of {@code com.sun.net.httpserver} serves the bridge, and on which threads.
 * The bridge is written against that API only; the implementation is picked by its
 * {@link HttpServerProvider} class name, so a provider built for a newer Java than the one running
 * is never loaded by accident (a {@code ServiceLoader} lookup would throw on its class files).
 *
 * <p>{@code auto} takes the fast path where it can: the bridge's own {@link EpollHttpServer}
 * (Linux, Java 22+, plain HTTP), one virtual thread per connection woken by an edge-triggered
 * epoll set (BENCHMARKS.md, "Which HTTP server"). Over HTTPS, on Java 21, or where the epoll
 * server cannot run, robaho's httpserver on virtual threads; before Java 21, or when robaho's
 * classes cannot load, the JDK's built-in server on a bounded pool of platform threads. The
 * startup line says which and why.
 */
final class HttpServerChoice {

  static final String AUTO = "auto";
  static final String BUILT_IN = "jdk";
  static final String EPOLL_PROVIDER = EpollHttpServerProvider.class.getName();
  static final String ROBAHO_PROVIDER = "robaho.net.httpserver.DefaultHttpServerProvider";
  static final String JETTY_PROVIDER = "org.eclipse.jetty.http.spi.JettyHttpServerProvider";
  static final String BUILT_IN_PROVIDER = "sun.net.httpserver.DefaultHttpServerProvider";
  /** What the epoll server reads of a request's head beyond max-url: the method, headers. */
  private static final int HEAD_BEYOND_URL = 16 * 1024;
  /** The first Java with virtual threads outside preview. */
  static final int VIRTUAL_THREADS_SINCE = 21;
  /** The first Java with the Foreign Function API outside preview: the epoll server's. */
  static final int FOREIGN_FUNCTIONS_SINCE = 22;
  private static final String PROVIDER_PROPERTY = "com.sun.net.httpserver.HttpServerProvider";

  /** Threads that run the handlers. */
  enum Threads {
    /** Virtual where the JDK has them, else platform. */
    AUTO,
    VIRTUAL,
    PLATFORM
  }

  final HttpServerProvider provider;
  final boolean builtIn;
  final boolean virtualThreads;
  /** Why {@code auto} did not take the fast path (the epoll server); null when it did or was not asked. */
  final String fallback;

  private HttpServerChoice(HttpServerProvider provider, boolean builtIn, boolean virtualThreads,
      String fallback) {
    this.provider = provider;
    this.builtIn = builtIn;
    this.virtualThreads = virtualThreads;
    this.fallback = fallback;
  }

  /**
   * Resolves the {@code http-server} and {@code threads} settings on the running JDK, for plain
   * HTTP or HTTPS ({@code tls}); a provider asked for by name that cannot load, or virtual threads
   * on a JDK without them, throw IllegalArgumentException naming the setting.
   */
  static HttpServerChoice resolve(String httpServer, String threadsSetting, boolean tls) {
    return resolve(httpServer, threads(threadsSetting), Runtime.version().feature(), tls);
  }

  static HttpServerChoice resolve(String httpServer, Threads threads, int javaFeature,
      boolean tls) {
    boolean hasVirtual = javaFeature >= VIRTUAL_THREADS_SINCE;
    if (threads == Threads.VIRTUAL && !hasVirtual) {
      throw new IllegalArgumentException("threads virtual needs Java " + VIRTUAL_THREADS_SINCE
          + " or newer, this is Java " + javaFeature + ": virtual");
    }
    boolean virtual = threads == Threads.VIRTUAL || threads == Threads.AUTO && hasVirtual;
    String name = httpServer == null || httpServer.isBlank() ? AUTO : httpServer.strip();
    String className = providerClass(name);
    if (name.equalsIgnoreCase(AUTO)) {
      if (!hasVirtual) {
        return new HttpServerChoice(builtInProvider(), true, virtual, "the fast path (the"
            + " bridge's epoll server on virtual threads) needs Java " + FOREIGN_FUNCTIONS_SINCE
            + "+ on Linux, robaho's"
            + " httpserver needs Java " + VIRTUAL_THREADS_SINCE + "+");
      }
      String noEpoll = tls ? "the epoll server serves plain HTTP only"
          : javaFeature < FOREIGN_FUNCTIONS_SINCE
          ? "the epoll server needs Java " + FOREIGN_FUNCTIONS_SINCE + "+"
          : EpollHttpServerProvider.unavailable();
      if (noEpoll == null) {
        return new HttpServerChoice(new EpollHttpServerProvider(), false, virtual, null);
      }
      try {
        return new HttpServerChoice(load(ROBAHO_PROVIDER), false, virtual, noEpoll);
      } catch (ReflectiveOperationException | LinkageError | ServiceConfigurationError
          | ClassCastException e) {
        return new HttpServerChoice(builtInProvider(), true, virtual,
            noEpoll + ", and robaho's httpserver did not load: " + e);
      }
    }
    if (className.equals(BUILT_IN_PROVIDER)) {
      return new HttpServerChoice(builtInProvider(), true, virtual, null);
    }
    if (className.equals(EPOLL_PROVIDER)) {
      String why = javaFeature < FOREIGN_FUNCTIONS_SINCE ? "it needs Java "
          + FOREIGN_FUNCTIONS_SINCE + "+, this is Java " + javaFeature
          : EpollHttpServerProvider.unavailable();
      if (why != null) {
        throw new IllegalArgumentException("http-server cannot run the epoll server (" + why
            + "): " + name);
      }
      return new HttpServerChoice(new EpollHttpServerProvider(), false, virtual, null);
    }
    try {
      return new HttpServerChoice(load(className), false, virtual, null);
    } catch (ReflectiveOperationException | LinkageError | ServiceConfigurationError
        | ClassCastException e) {
      String why = e instanceof UnsupportedClassVersionError
          ? "its classes need a newer Java than " + javaFeature : e.toString();
      throw new IllegalArgumentException("http-server cannot load " + className + " (" + why
          + "): " + name, e);
    }
  }

  /**
   * {@code auto}, {@code epoll}, {@code jdk}, {@code robaho}, {@code jetty} or a provider's class
   * name.
   */
  static String providerClass(String name) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case AUTO:
        return EPOLL_PROVIDER;
      case "epoll":
        return EPOLL_PROVIDER;
      case BUILT_IN:
        return BUILT_IN_PROVIDER;
      case "robaho":
        return ROBAHO_PROVIDER;
      case "jetty":
        return JETTY_PROVIDER;
      default:
        return name;
    }
  }

  static Threads threads(String setting) {
    if (setting == null || setting.isBlank()) {
      return Threads.AUTO;
    }
    try {
      return Threads.valueOf(setting.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("threads must be auto, virtual or platform: " + setting,
          e);
    }
  }

  /**
   * Whether a bounded pool of platform threads runs the requests (the built-in server on platform
   * threads: the pool's size is max-concurrent). Otherwise a thread per task runs them (robaho's
   * server keeps a connection's thread for the connection's life) and a {@link ConcurrencyGate}
   * bounds the requests handled at once.
   */
  boolean boundedPool() {
    return builtIn && !virtualThreads;
  }

  /** A thread per task: virtual threads, or unbounded daemon platform threads. */
  ExecutorService threadPerTaskExecutor() {
    return virtualThreads ? virtualThreadExecutor() : Executors.newCachedThreadPool(
        daemonThreads("bridge-http-"));
  }

  /**
   * Creates the server (HTTPS when the config has TLS, see {@link Listeners}) with one handler
   * for every path and starts it; the epoll server takes its timeouts and head limit from the
   * config. Jetty keeps its own thread
   * pool: its {@code setExecutor} restarts its server before the connector is bound, which then
   * never listens.
   */
  HttpServer start(InetSocketAddress address, int backlog, HttpHandler handler,
      ExecutorService executor, BridgeConfig config) throws IOException {
    HttpServer server = Listeners.create(provider, address, backlog, config.tls);
    if (server instanceof EpollHttpServer epoll) {
      // the others read JVM-wide properties (Main sets them)
      epoll.setTimeouts(config.keepAliveIdle, config.requestReadTimeout);
      // a URL up to max-url reaches the bridge, which answers it by its own rules
      epoll.setMaxRequestHead((int) Math.min(Integer.MAX_VALUE - 16L,
          Math.max(64 * 1024L, config.maxUrl + HEAD_BEYOND_URL)), "max-url is " + config.maxUrl
          + ", and " + HEAD_BEYOND_URL / 1024 + " KiB more for the rest of the head");
    }
    server.createContext("/", handler);
    if (!isJetty()) {
      server.setExecutor(executor);
    }
    server.start();
    return server;
  }

  /** The bridge's own server: held requests are watched and sent to through its exchanges. */
  boolean isEpoll() {
    return provider instanceof EpollHttpServerProvider;
  }

  private boolean isJetty() {
    return provider.getClass().getName().equals(JETTY_PROVIDER);
  }

  static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger number = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + number.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** For the startup line: which server, which threads, which JDK, and why no fast path. */
  String describe(int maxConcurrent) {
    String server = builtIn ? "the JDK's built-in HTTP server"
        : isEpoll() ? "the bridge's epoll server"
        : provider.getClass().getName().equals(ROBAHO_PROVIDER) ? "robaho's httpserver"
        : provider.getClass().getName().equals(JETTY_PROVIDER) ? "Jetty's http-spi"
        : provider.getClass().getName();
    String threads = isJetty() ? "Jetty's own thread pool" : virtualThreads ? "virtual threads"
        : boundedPool() ? maxConcurrent + " platform threads" : "platform threads";
    String text = server + " on " + threads + ", Java " + Runtime.version();
    if ((isEpoll() || provider.getClass().getName().equals(ROBAHO_PROVIDER)) && virtualThreads) {
      text += "; held requests: " + DirectSend.describe(); // needs its departure watch
    }
    return fallback == null ? text : text + "; " + fallback;
  }

  /**
   * Turns TCP_NODELAY on for the built-in server and robaho's (both read it from a system property
   * once, when their first server starts), unless the property was given; Jetty sets it itself.
   * Without it every reply can wait about 40 ms (Nagle's algorithm against delayed ACKs).
   */
  static void disableNagle(HttpServerChoice choice, Logger log) {
    String property = choice.builtIn ? "sun.net.httpserver.nodelay"
        : choice.provider.getClass().getName().equals(ROBAHO_PROVIDER)
        ? "robaho.net.httpserver.nodelay" : null;
    if (property == null) {
      return;
    }
    if (System.getProperty(property) == null) {
      System.setProperty(property, "true");
    } else if (!Boolean.getBoolean(property)) {
      log.warn("{} is not true: every reply may wait about 40 ms (Nagle's algorithm)", property);
    }
  }

  private static HttpServerProvider load(String className) throws ReflectiveOperationException {
    Class<?> type = Class.forName(className, true, HttpServerChoice.class.getClassLoader());
    return (HttpServerProvider) type.getConstructor().newInstance();
  }

  /**
   * The JDK's own provider. Its class is not exported, so it is reached through
   * {@link HttpServerProvider#provider()}; the system property keeps that from picking another
   * provider found on the class path (robaho's jar declares itself as a service). A property the
   * user set is left alone, and the provider it names is then what "jdk" means.
   */
  private static HttpServerProvider builtInProvider() {
    if (System.getProperty(PROVIDER_PROPERTY) == null) {
      System.setProperty(PROVIDER_PROPERTY, BUILT_IN_PROVIDER);
    }
    return HttpServerProvider.provider();
  }

  private static ExecutorService virtualThreadExecutor() {
    try {
      ThreadFactory factory = VirtualThreads.factory("bridge-http-");
      return (ExecutorService) Executors.class
          .getMethod("newThreadPerTaskExecutor", ThreadFactory.class).invoke(null, factory);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("virtual threads are not available on Java "
          + Runtime.version(), e);
    }
  }
}
