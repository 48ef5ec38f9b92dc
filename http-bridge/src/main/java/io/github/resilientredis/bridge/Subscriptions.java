package io.github.resilientredis.bridge;

import io.github.resilientredis.pool.RedisPoolConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Held requests: {@code /subscribe/<channel>[/<channel>...]} and {@code /psubscribe/<pattern>} as
 * Upstash's Server-Sent Events, {@code GET /SUBSCRIBE/<channel>} as Webdis's chunked JSON, and
 * {@code /poll/<channel>?timeout=<seconds>}, a long-poll answered by the first message or the
 * timeout. All of them wait on the {@link PubSubHub}: a few shared Redis connections, never one
 * per request, and at most {@code max-subscribers} requests held at once (429 beyond).
 *
 * <p>A request is answered 200 only once Redis has confirmed its subscriptions, so a client that
 * has the headers knows that a message published from then on reaches it.
 */
final class Subscriptions implements AutoCloseable {

  /** How often Redis is PINGed on an idle hub connection; three missed ones end it. */
  static final Duration PING_INTERVAL = Duration.ofSeconds(1);
  private static final Logger LOG = LoggerFactory.getLogger(Subscriptions.class);

  private final BridgeConfig config;
  private final CommandPolicy policy;
  private final Metrics metrics;
  private final PubSubHub hub;
  private final Semaphore slots;
  private final Set<HeldRequest> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  Subscriptions(BridgeConfig config, RedisPoolConfig redis, CommandPolicy policy,
      Metrics metrics) {
    this.config = config;
    this.policy = policy;
    this.metrics = metrics;
    this.slots = new Semaphore(config.maxSubscribers);
    this.hub = new PubSubHub(redis, config.pubsubConnections, PING_INTERVAL);
  }

  /** {@code /subscribe/...}, {@code /psubscribe/...} and {@code /poll/...}, any case. */
  static boolean isHeldPath(String path) {
    return path.regionMatches(true, 0, "/subscribe/", 0, 11)
        || path.regionMatches(true, 0, "/psubscribe/", 0, 12)
        || path.regionMatches(true, 0, "/poll/", 0, 6);
  }

  /** Holds the request until the client leaves, the poll ends or the bridge closes. */
  void hold(HttpCall call, String path, String query) throws IOException {
    boolean poll = path.regionMatches(true, 0, "/poll/", 0, 6);
    boolean pattern = path.regionMatches(true, 0, "/psubscribe/", 0, 12);
    byte[][] names = names(path, poll ? 6 : pattern ? 12 : 11, poll);
    HeldRequest.Shape shape = poll ? HeldRequest.Shape.POLL
        : webdisShape(call, path) ? HeldRequest.Shape.WEBDIS : HeldRequest.Shape.SSE;
    long deadline = poll ? System.nanoTime() + pollTimeout(query).toNanos() : Long.MAX_VALUE;
    byte[][] command = new byte[names.length + 1][];
    command[0] = ascii(pattern ? "PSUBSCRIBE" : "SUBSCRIBE");
    System.arraycopy(names, 0, command, 1, names.length);
    policy.checkLists(new Command(command));
    if (closed) {
      throw new BridgeException(503, "ERR the bridge is shutting down");
    }
    if (!slots.tryAcquire()) {
      throw new BridgeException(429, "ERR too many subscriptions open (streams and polls):"
          + " max-subscribers is " + config.maxSubscribers);
    }
    metrics.subscribers.incrementAndGet();
    // Waiting for Redis (to confirm, then for news) is no work: the max-concurrent turn goes back
    // now, so that a burst of thousands of subscribers never fills max-queued.
    call.releaseSlot();
    HeldRequest held = new HeldRequest(shape);
    List<Topic> joined = new ArrayList<>(names.length);
    DepartureWatch watch = null;
    open.add(held);
    try {
      for (byte[] name : names) {
        if (!hub.awaitConnection(name, pattern, config.connectTimeout)) {
          metrics.redisError(Metrics.RedisError.UNREACHABLE);
          throw new BridgeException(503, "ERR Redis is unreachable at " + config.redisDisplay
              + ": cannot subscribe");
        }
        joined.add(hub.join(name, pattern, held));
      }
      if (!held.awaitConfirmed(names.length, config.commandTimeout.toNanos())) {
        String refusal = held.refusal();
        if (refusal != null) {
          throw new BridgeException(refusal.startsWith("NOPERM") ? 403 : 400, refusal);
        }
        if (closed) {
          throw new BridgeException(503, "ERR the bridge is shutting down");
        }
        metrics.redisError(Metrics.RedisError.TIMEOUT);
        throw new BridgeException(503, "ERR Redis did not confirm the subscription within"
            + " command-timeout (" + BridgeConfig.millis(config.commandTimeout) + ")");
      }
      call.setHeader("Cache-Control", "no-cache");
      call.setHeader("X-Accel-Buffering", "no"); // a proxy in front must not buffer the stream
      String type = shape == HeldRequest.Shape.SSE ? "text/event-stream; charset=utf-8"
          : HttpCall.JSON;
      watch = DepartureWatch.start(call.exchange, held::departed);
      if (watch != null && watch.consumesInput()) {
        // what the client sends from now is read by the watch: the connection is not reused
        call.setHeader("Connection", "close");
      }
      long keepalive = watch == null ? config.streamKeepalive.toNanos()
          : config.watchedKeepalive(watch.serverLimitsSilence()).toNanos();
      try (OutputStream out = call.startStream(type)) {
        out.flush(); // the headers now (some servers hold them until the first body bytes)
        if (watch != null) {
          held.sendDirectlyTo(watch.direct(out));
        }
        HeldRequest.End end = held.run(out, joined, deadline, keepalive, watch == null);
        if (end == HeldRequest.End.CLOSED && shape == HeldRequest.Shape.POLL) {
          out.write(HeldFormats.pollError("ERR the bridge is shutting down"));
        } else if (end == HeldRequest.End.OVERFLOW) {
          LOG.debug("a held request stopped reading: {} events queued; ending it",
              HeldRequest.MAX_QUEUED);
        }
      }
    } catch (IOException e) {
      if (!call.responded) {
        throw e;
      }
      if (LOG.isDebugEnabled()) { // not the message's string for every client that leaves
        LOG.debug("held request's client left: {}", e.toString());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (watch != null) {
        watch.stop();
      }
      held.closeDirect();
      for (Topic topic : joined) {
        hub.leave(topic, held);
      }
      open.remove(held);
      metrics.subscribers.decrementAndGet();
      slots.release();
    }
  }

  /**
   * Webdis's chunked JSON for {@code GET /SUBSCRIBE/...} written in capitals, as Webdis clients
   * do; Server-Sent Events for the lower-case Upstash path, for {@code path-style upstash}, and
   * whenever the client accepts {@code text/event-stream}.
   */
  private boolean webdisShape(HttpCall call, String path) {
    String accept = call.header("Accept");
    if (accept != null && accept.contains("text/event-stream")) {
      return false;
    }
    return config.pathStyle == PathStyle.WEBDIS
        && (path.startsWith("/SUBSCRIBE/") || path.startsWith("/PSUBSCRIBE/"));
  }

  /** {@code ?timeout=<seconds>} (decimals allowed), at most {@code max-poll}; default 30 s. */
  private Duration pollTimeout(String query) {
    String raw = Requests.queryParam(query, "timeout");
    Duration timeout = BridgeConfig.DEFAULT_POLL_TIMEOUT;
    if (raw != null) {
      double seconds;
      try {
        seconds = Double.parseDouble(raw);
      } catch (NumberFormatException e) {
        seconds = -1;
      }
      if (!(seconds >= 0) || Double.isInfinite(seconds)) {
        throw BridgeException.badRequest("ERR timeout is seconds, 0 or more: '" + raw + "'");
      }
      timeout = Duration.ofMillis((long) Math.min(seconds * 1000, Long.MAX_VALUE / 2_000_000));
    }
    return timeout.compareTo(config.maxPoll) > 0 ? config.maxPoll : timeout;
  }

  private byte[][] names(String path, int from, boolean one) {
    List<byte[]> names = new ArrayList<>();
    for (int i = from; i <= path.length(); i++) {
      if (i == path.length() || path.charAt(i) == '/') {
        if (i > from) {
          names.add(Requests.decode(path, from, i));
        }
        from = i + 1;
      }
    }
    if (names.isEmpty()) {
      throw BridgeException.badRequest(one ? "ERR name a channel: /poll/<channel>?timeout=30"
          : "ERR name a channel: /subscribe/<channel>");
    }
    if (one && names.size() > 1) {
      throw BridgeException.badRequest("ERR a poll waits on one channel: /poll/<channel>; write"
          + " a slash inside a name as %2F");
    }
    if (names.size() + 1 > config.maxArgs) {
      throw Requests.tooManyArgs(names.size() + 1, config.maxArgs);
    }
    return names.toArray(new byte[0][]);
  }

  /** Topics subscribed in Redis and hub connections up, for the metrics. */
  int subscribedTopics() {
    return hub.subscribedTopics();
  }

  int[] hubConnections() {
    return hub.connectionsUp();
  }

  /** Ends every held request (streams close, polls answer) and closes the hub's connections. */
  @Override
  public void close() {
    closed = true;
    for (HeldRequest held : open) {
      held.end();
    }
    hub.close();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
