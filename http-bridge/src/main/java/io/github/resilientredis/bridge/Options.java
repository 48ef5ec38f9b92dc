package io.github.resilientredis.bridge;

import io.github.resilientredis.bridge.RedisHttpBridge.Builder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The command line and the environment of {@link Main}: every setting is a flag
 * ({@code --port 7379} or {@code --port=7379}) and an environment variable ({@code BRIDGE_PORT});
 * a flag wins over the environment. A bad flag or value throws {@link IllegalArgumentException}
 * naming the setting and the value.
 */
final class Options {

  static final Duration DEFAULT_KEEPALIVE_IDLE = Duration.ofSeconds(30);
  static final Duration DEFAULT_REQUEST_READ_TIMEOUT = BridgeConfig.DEFAULT_REQUEST_READ_TIMEOUT;
  static final String DEFAULT_LOG_LEVEL = "info";

  /** What a parse produced: the bridge's settings plus those that belong to the JVM. */
  static final class Parsed {
    final Builder builder = RedisHttpBridge.builder();
    Duration keepAliveIdle = DEFAULT_KEEPALIVE_IDLE;
    Duration requestReadTimeout = DEFAULT_REQUEST_READ_TIMEOUT;
    String logLevel = DEFAULT_LOG_LEVEL;
    Path tlsCert;
    Path tlsKey;
    boolean help;
    /** Token entries: every --token flag adds its own; without one, BRIDGE_TOKEN's. */
    final List<String> tokens = new ArrayList<>();
    boolean tokensFromFlag;

    void addTokens(String flag, String value) {
      if (flag.startsWith("--") && !tokensFromFlag) {
        tokens.clear(); // a flag wins over the environment
        tokensFromFlag = true;
      }
      tokens.addAll(list(value));
    }
  }

  @FunctionalInterface
  private interface Apply {
    void to(Parsed parsed, String flag, String value);
  }

  /** One setting: its flag, its environment variable, its default as shown, and what it does. */
  record Option(String flag, String env, String defaultText, String help, boolean valueOptional,
      Apply apply) {}

  static final List<Option> ALL = List.of(
      opt("redis", "REDIS_URL", BridgeConfig.DEFAULT_REDIS,
          "Redis to serve: redis[s]://[[user]:password@]host[:port][/db], through Sentinel:"
              + " redis[s]-sentinel://[[user]:password@]host[:port][,host[:port]...]/master[/db],"
              + " or a cluster: redis[s]-cluster://[[user]:password@]host:port[,host:port...]",
          (p, f, v) -> p.builder.redis(v)),
      opt("host", "BRIDGE_HOST", BridgeConfig.DEFAULT_HOST,
          "address to listen on; beyond loopback a token is required",
          (p, f, v) -> p.builder.host(v)),
      opt("port", "BRIDGE_PORT", "" + BridgeConfig.DEFAULT_PORT, "port to listen on (0: any free)",
          (p, f, v) -> p.builder.port(integer(f, v))),
      opt("token", "BRIDGE_TOKEN", "none (no auth)",
          "bearer token(s), comma separated, the flag repeatable; TOKEN=USER:PASSWORD runs its"
              + " requests as that Redis ACL user, a final :ro (or TOKEN=ro) makes it read-only;"
              + " clients send Authorization: Bearer <token> or ?_token=",
          (p, f, v) -> p.addTokens(f, v)),
      opt("tokens-file", "BRIDGE_TOKENS_FILE", "none",
          "file of token entries, one a line (# comments), same syntax as --token: keeps"
              + " passwords off the command line",
          (p, f, v) -> p.builder.tokensFile(Path.of(v))),
      opt("tls-cert", "BRIDGE_TLS_CERT", "none (plain HTTP)",
          "serve HTTPS with this PEM certificate chain (server certificate first); needs tls-key",
          (p, f, v) -> p.tlsCert = Path.of(v)),
      opt("tls-key", "BRIDGE_TLS_KEY", "none",
          "the PEM private key of tls-cert: unencrypted PKCS#8 (BEGIN PRIVATE KEY), RSA or EC",
          (p, f, v) -> p.tlsKey = Path.of(v)),
      opt("path-style", "BRIDGE_PATH_STYLE", "webdis",
          "reply shape of /COMMAND/arg paths: webdis ({\"GET\":...}) or upstash ({\"result\":...})",
          (p, f, v) -> p.builder.pathStyle(pathStyle(f, v))),
      opt("pool-size", "BRIDGE_POOL_SIZE", "max-concurrent",
          "pooled Redis connections (by default one per request thread)", (p, f, v) -> p.builder.poolSize(integer(f, v))),
      opt("command-timeout", "BRIDGE_COMMAND_TIMEOUT", "5s",
          "longest wait for Redis's reply to a command, then 504",
          (p, f, v) -> p.builder.commandTimeout(duration(f, v))),
      opt("connect-timeout", "BRIDGE_CONNECT_TIMEOUT", "2s", "longest wait to connect to Redis",
          (p, f, v) -> p.builder.connectTimeout(duration(f, v))),
      opt("borrow-timeout", "BRIDGE_BORROW_TIMEOUT", "2s",
          "longest wait for a free pooled connection, then 503",
          (p, f, v) -> p.builder.borrowTimeout(duration(f, v))),
      opt("max-concurrent", "BRIDGE_MAX_CONCURRENT",
          BridgeConfig.DEFAULT_MAX_CONCURRENT_THREAD_PER_REQUEST + " with a thread per request"
              + " (virtual threads), " + BridgeConfig.DEFAULT_MAX_CONCURRENT + " on platform threads",
          "requests handled at once (on the JDK's server with platform threads: worker threads)",
          (p, f, v) -> p.builder.maxConcurrent(integer(f, v))),
      opt("pipeline-lanes", "BRIDGE_PIPELINE_LANES", "" + BridgeConfig.DEFAULT_PIPELINE_LANES,
          "single commands of concurrent requests are sent to Redis in batches, this many batches"
              + " at once; 0 sends each on a connection of its own",
          (p, f, v) -> p.builder.pipelineLanes(integer(f, v))),
      opt("max-queued", "BRIDGE_MAX_QUEUED", "" + BridgeConfig.DEFAULT_MAX_QUEUED,
          "requests waiting for a worker; beyond, connections are closed unanswered",
          (p, f, v) -> p.builder.maxQueued(integer(f, v))),
      opt("max-body", "BRIDGE_MAX_BODY", "16m", "largest request body (bytes, or 64k, 16m), then 413",
          (p, f, v) -> p.builder.maxBody(size(f, v))),
      opt("max-url", "BRIDGE_MAX_URL", "64k", "longest URL (path and query), then 414",
          (p, f, v) -> p.builder.maxUrl(size(f, v))),
      opt("max-args", "BRIDGE_MAX_ARGS", "" + BridgeConfig.DEFAULT_MAX_ARGS,
          "most arguments in one command, then 413", (p, f, v) -> p.builder.maxArgs(integer(f, v))),
      opt("max-pipeline", "BRIDGE_MAX_PIPELINE", "" + BridgeConfig.DEFAULT_MAX_PIPELINE,
          "most commands in one /pipeline or /multi-exec, then 413",
          (p, f, v) -> p.builder.maxPipeline(integer(f, v))),
      opt("max-block", "BRIDGE_MAX_BLOCK", "2s",
          "longest wait of a blocking command (BLPOP, XREAD BLOCK, ...): 0 or longer is capped",
          (p, f, v) -> p.builder.maxBlock(duration(f, v))),
      opt("max-blocking", "BRIDGE_MAX_BLOCKING", "" + BridgeConfig.DEFAULT_MAX_BLOCKING,
          "blocking commands waiting at once, then 429 (0: blocking commands refused)",
          (p, f, v) -> p.builder.maxBlocking(integer(f, v))),
      opt("max-subscribers", "BRIDGE_MAX_SUBSCRIBERS", BridgeConfig.DEFAULT_MAX_SUBSCRIBERS
          + " (max-concurrent / 2 on the JDK's server with platform threads)",
          "held requests (subscription streams and long-polls) open at once, then 429",
          (p, f, v) -> p.builder.maxSubscribers(integer(f, v))),
      opt("pubsub-connections", "BRIDGE_PUBSUB_CONNECTIONS",
          "" + BridgeConfig.DEFAULT_PUBSUB_CONNECTIONS,
          "Redis connections shared by every held request's subscriptions",
          (p, f, v) -> p.builder.pubsubConnections(integer(f, v))),
      opt("stream-keepalive", "BRIDGE_STREAM_KEEPALIVE", "600ms",
          "a held request with nothing to write writes a keepalive this often; a client that left"
              + " is noticed within one",
          (p, f, v) -> p.builder.streamKeepalive(duration(f, v))),
      opt("max-poll", "BRIDGE_MAX_POLL", "120s",
          "longest wait of /poll/<channel>?timeout=<seconds> (default timeout 30s)",
          (p, f, v) -> p.builder.maxPoll(duration(f, v))),
      opt("cors-origins", "BRIDGE_CORS_ORIGINS", "none (CORS off)",
          "comma separated origins whose pages may call the bridge (https://app.example.com), or *",
          (p, f, v) -> p.builder.corsOrigins(list(v))),
      opt("allow", "BRIDGE_ALLOW", "all commands",
          "comma separated: only these commands are served (GET, CONFIG|GET ...)",
          (p, f, v) -> p.builder.allow(list(v))),
      opt("deny", "BRIDGE_DENY", "none", "comma separated: these commands are refused with 403",
          (p, f, v) -> p.builder.deny(list(v))),
      new Option("allow-dangerous", "BRIDGE_ALLOW_DANGEROUS", "none",
          "dangerous commands to serve anyway (FLUSHDB,CONFIG|GET ...); alone or 'all': every one",
          true, (p, f, v) -> p.builder.allowDangerous(v == null ? List.of("all") : list(v))),
      opt("keepalive-idle", "BRIDGE_KEEPALIVE_IDLE", "30s",
          "idle keep-alive HTTP connections are closed after this (checked every few seconds)",
          (p, f, v) -> {
            p.keepAliveIdle = duration(f, v);
            p.builder.keepAliveIdle(p.keepAliveIdle);
          }),
      opt("request-read-timeout", "BRIDGE_REQUEST_READ_TIMEOUT", "30s",
          "longest time to receive a request's headers and body; then the connection is closed",
          (p, f, v) -> {
            p.requestReadTimeout = duration(f, v);
            p.builder.requestReadTimeout(p.requestReadTimeout);
          }),
      opt("http-server", "BRIDGE_HTTP_SERVER", HttpServerChoice.AUTO,
          "HTTP server: auto (the bridge's epoll server on Java 22+, robaho's for HTTPS and on 21,"
              + " else the JDK's), epoll, jdk, robaho, jetty or an"
              + " HttpServerProvider class name", (p, f, v) -> p.builder.httpServer(v)),
      opt("threads", "BRIDGE_THREADS", "auto",
          "request threads: auto (virtual on Java 21+), virtual or platform",
          (p, f, v) -> p.builder.threads(v)),
      opt("shutdown-grace", "BRIDGE_SHUTDOWN_GRACE", "10s",
          "on SIGTERM, how long requests in flight may finish",
          (p, f, v) -> p.builder.shutdownGrace(duration(f, v))),
      opt("log-level", "BRIDGE_LOG_LEVEL", DEFAULT_LOG_LEVEL, "error, warn, info, debug or trace",
          (p, f, v) -> p.logLevel = logLevel(f, v)));

  private Options() {}

  private static Option opt(String name, String env, String defaultText, String help,
      Apply apply) {
    return new Option(name, env, defaultText, help, false, apply);
  }

  static Parsed parse(String[] args, Map<String, String> env) {
    Parsed parsed = new Parsed();
    for (Option o : ALL) {
      String value = env.get(o.env());
      if (value != null && !value.isBlank()) {
        String shown = "environment " + o.env();
        o.apply().to(parsed, shown, value.strip());
      }
    }
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        parsed.help = true;
        continue;
      }
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "' (options start with"
            + " --; see --help)");
      }
      int eq = arg.indexOf('=');
      String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
      Option o = find(name);
      String value;
      if (eq >= 0) {
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else if (o.valueOptional()) {
        value = null;
      } else {
        throw new IllegalArgumentException("--" + name + " needs a value (see --help)");
      }
      o.apply().to(parsed, "--" + name, value);
    }
    if (!parsed.tokens.isEmpty()) {
      parsed.builder.tokens(parsed.tokens);
    }
    // Set as a pair: a flag for one file and the environment for the other still go together.
    parsed.builder.tls(parsed.tlsCert, parsed.tlsKey);
    return parsed;
  }

  /** The option whose setting name starts {@code message}, to say where a value came from. */
  static Option forMessage(String message) {
    for (Option o : ALL) {
      if (message.startsWith(o.flag() + " ")) {
        return o;
      }
    }
    return null;
  }

  static String help() {
    StringBuilder out = new StringBuilder();
    out.append("Usage: java -jar redis-http-bridge.jar [options]\n\n")
        .append("Serves Redis over HTTP with the Upstash REST API and the Webdis URL API.\n")
        .append("Every option can also be set by its environment variable; an option wins.\n\n");
    for (Option o : ALL) {
      String left = "  --" + o.flag() + (o.valueOptional() ? " [value]" : " <value>");
      out.append(String.format(Locale.ROOT, "%-32s %s%n", left, o.help()));
      out.append(String.format(Locale.ROOT, "%-32s env %s, default %s%n", "", o.env(),
          o.defaultText()));
    }
    out.append(String.format(Locale.ROOT, "%-32s %s%n", "  --help", "this text"));
    out.append("\nDurations: 500ms, 5s, 2m, 1h. Sizes: bytes, or with k, m, g (1024-based).\n");
    return out.toString();
  }

  private static Option find(String name) {
    for (Option o : ALL) {
      if (o.flag().equals(name)) {
        return o;
      }
    }
    throw new IllegalArgumentException("unknown option --" + name + " (see --help)");
  }

  static int integer(String flag, String value) {
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + ": not a whole number: '" + value + "'");
    }
  }

  /** {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, or ISO-8601 ({@code PT5S}). */
  static Duration duration(String flag, String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("pt") || v.startsWith("p")) {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).strip()));
      }
      if (!v.isEmpty()) {
        long n = Long.parseLong(v.substring(0, v.length() - 1).strip());
        switch (v.charAt(v.length() - 1)) {
          case 's':
            return Duration.ofSeconds(n);
          case 'm':
            return Duration.ofMinutes(n);
          case 'h':
            return Duration.ofHours(n);
          default:
            break;
        }
      }
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      // the message below
    }
    throw new IllegalArgumentException(flag + ": not a duration: '" + value
        + "' (write it with a unit: 500ms, 5s, 2m, 1h)");
  }

  /** Bytes, or with a 1024-based suffix: {@code 64k}, {@code 16m}, {@code 1g}. */
  static int size(String flag, String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (v.endsWith("b")) {
      v = v.substring(0, v.length() - 1);
    }
    if (!v.isEmpty()) {
      switch (v.charAt(v.length() - 1)) {
        case 'k' -> unit = 1024;
        case 'm' -> unit = 1024 * 1024;
        case 'g' -> unit = 1024 * 1024 * 1024;
        default -> unit = 1;
      }
      if (unit > 1) {
        v = v.substring(0, v.length() - 1).strip();
      }
    }
    try {
      long bytes = Math.multiplyExact(Long.parseLong(v), unit);
      if (bytes > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(flag + ": too large: '" + value + "' (at most 2g)");
      }
      return (int) bytes;
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(flag + ": not a size: '" + value
          + "' (bytes, or 64k, 16m, 1g)");
    }
  }

  static List<String> list(String value) {
    List<String> out = new ArrayList<>();
    for (String part : value.split(",")) {
      if (!part.isBlank()) {
        out.add(part.strip());
      }
    }
    return out;
  }

  private static PathStyle pathStyle(String flag, String value) {
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "webdis" -> PathStyle.WEBDIS;
      case "upstash" -> PathStyle.UPSTASH;
      default -> throw new IllegalArgumentException(flag + ": must be webdis or upstash: '" + value
          + "'");
    };
  }

  private static String logLevel(String flag, String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (!List.of("error", "warn", "info", "debug", "trace", "off").contains(v)) {
      throw new IllegalArgumentException(flag + ": must be error, warn, info, debug or trace: '"
          + value + "'");
    }
    return v;
  }
}
