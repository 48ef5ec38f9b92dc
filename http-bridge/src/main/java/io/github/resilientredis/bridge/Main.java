package io.github.resilientredis.bridge;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar redis-http-bridge.jar [options]}: serves redis://localhost:6379 on
 * 127.0.0.1:7379 with nothing to configure. {@code --help} lists the settings. Exit code 2 for a
 * bad option or value, 1 when the port cannot be taken.
 */
public final class Main {

  /**
   * robaho's server logs through java.util.logging, INFO by default ("using ... as executor"):
   * its warnings are enough for the jar. Held here because JUL keeps its loggers weakly.
   */
  private static final java.util.logging.Logger ROBAHO_LOG =
      java.util.logging.Logger.getLogger("robaho.net.httpserver");

  /** Whether {@link #run} started a bridge (not just printed the help). */
  private static volatile boolean serving;

  private Main() {}

  public static void main(String[] args) {
    int code = run(args, System.getenv(), System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
    if (!serving) {
      return; // --help
    }
    // Serve until the JVM is told to stop (the shutdown hook closes the bridge): some HTTP servers
    // run only on the executor's threads, which are daemon threads, and would not keep it alive.
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts the bridge and returns 0, or prints why not and returns the exit code. */
  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    Options.Parsed parsed;
    try {
      parsed = Options.parse(args, env);
    } catch (IllegalArgumentException e) {
      err.println("redis-http-bridge: " + e.getMessage());
      return 2;
    }
    if (parsed.help) {
      out.print(Options.help());
      return 0;
    }
    configureJvm(parsed);
    Logger log = LoggerFactory.getLogger(Main.class);
    RedisHttpBridge bridge;
    try {
      bridge = parsed.builder.start();
    } catch (IllegalArgumentException e) {
      err.println("redis-http-bridge: " + explain(e.getMessage()));
      return 2;
    } catch (UncheckedIOException e) {
      err.println("redis-http-bridge: " + e.getMessage());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(bridge::close, "bridge-shutdown"));
    serving = true;
    log.info("redis-http-bridge {}{}", version(), bridge.describe());
    return 0;
  }

  /**
   * JVM-wide settings of the JDK's HTTP server and of robaho's (same names under their own
   * prefixes), set here where the server is launched and before their classes load (they read
   * them once): TCP_NODELAY (without it each reply can wait ~40 ms for a delayed ACK), the idle
   * time after which keep-alive connections are closed, and the time a client has to send its
   * request (on the built-in server a slow one holds a worker thread meanwhile).
   */
  private static void configureJvm(Options.Parsed parsed) {
    long idleSeconds = Math.max(1, (parsed.keepAliveIdle.toMillis() + 999) / 1000);
    long readSeconds = Math.max(1, (parsed.requestReadTimeout.toMillis() + 999) / 1000);
    for (String prefix : List.of("sun.net.httpserver.", "robaho.net.httpserver.")) {
      setUnlessGiven(prefix + "nodelay", "true");
      setUnlessGiven(prefix + "idleInterval", Long.toString(idleSeconds));
      // The idle check runs every clockTick ms (default 10 s): keep it well under the idle time,
      // and for robaho's server, whose same check enforces maxReqTime, under the read time too.
      long tick = Math.min(idleSeconds, prefix.startsWith("robaho") ? readSeconds : idleSeconds);
      setUnlessGiven(prefix + "clockTick",
          Long.toString(Math.min(10_000, Math.max(100, tick * 1000 / 4))));
      setUnlessGiven(prefix + "maxReqTime", Long.toString(readSeconds));
    }
    if (ROBAHO_LOG.getLevel() == null) {
      ROBAHO_LOG.setLevel(java.util.logging.Level.WARNING);
    }
    // The time-zone rules, read now: the JDK reads them from a file on first use, which for
    // robaho's log lines may be when descriptors have run out (thousands of held connections),
    // and an error thrown there ended the thread that accepts connections.
    java.time.ZoneId.systemDefault().getRules();
    setUnlessGiven("org.slf4j.simpleLogger.defaultLogLevel", parsed.logLevel);
    setUnlessGiven("org.slf4j.simpleLogger.showDateTime", "true");
    setUnlessGiven("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
  }

  private static void setUnlessGiven(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }

  /** Adds where a setting comes from to a validation message that starts with its name. */
  private static String explain(String message) {
    Options.Option o = Options.forMessage(message);
    return o == null ? message : message + " (set by --" + o.flag() + " or " + o.env() + ")";
  }

  private static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "" : v + " ";
  }
}
