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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.exceptions.JedisException;

/**
 * {@code POST /subscribe/<channel>[/<channel>...]} and {@code /psubscribe/<pattern>}: Upstash's
 * Server-Sent Events, lines {@code data: message,<channel>,<payload>}. Each stream has its own Redis
 * connection, never one of the pool's, and at most {@code max-subscribers} are open at once (429
 * beyond).
 *
 * <p>A client that leaves is only noticed when something is written to it, so every stream gets a
 * comment line every {@link #HEARTBEAT}: a slot is free again within about two of them. Redis is
 * PINGed on each subscriber connection every {@link #PING_INTERVAL}; silence for three of them
 * ends the stream.
 */
final class Subscriptions implements AutoCloseable {

  static final Duration HEARTBEAT = Duration.ofSeconds(1);
  static final Duration PING_INTERVAL = Duration.ofSeconds(15);
  private static final Logger LOG = LoggerFactory.getLogger(Subscriptions.class);
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] KEEPALIVE = ":\n\n".getBytes(StandardCharsets.US_ASCII);

  private final BridgeConfig config;
  private final RedisPoolConfig redis;
  private final CommandPolicy policy;
  private final Metrics metrics;
  private final Semaphore slots;
  private final Set<Stream> open = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer;
  private volatile boolean closed;

  Subscriptions(BridgeConfig config, RedisPoolConfig redis, CommandPolicy policy,
      Metrics metrics) {
    this.config = config;
    this.redis = redis;
    this.policy = policy;
    this.metrics = metrics;
    this.slots = new Semaphore(config.maxSubscribers);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bridge-subscribe-heartbeat");
      t.setDaemon(true);
      return t;
    });
    long beat = HEARTBEAT.toMillis();
    timer.scheduleWithFixedDelay(this::heartbeat, beat, beat, TimeUnit.MILLISECONDS);
    long ping = PING_INTERVAL.toMillis();
    timer.scheduleWithFixedDelay(this::pingRedis, ping, ping, TimeUnit.MILLISECONDS);
  }

  static boolean isSubscribePath(String path) {
    return path.regionMatches(true, 0, "/subscribe/", 0, 11)
        || path.regionMatches(true, 0, "/psubscribe/", 0, 12);
  }

  /** Streams messages until the client leaves, Redis goes away or the bridge closes. */
  void stream(HttpCall call, String path) throws IOException {
    boolean pattern = path.regionMatches(true, 0, "/psubscribe/", 0, 12);
    byte[][] names = names(path, pattern ? 12 : 11);
    byte[][] command = new byte[names.length + 1][];
    command[0] = (pattern ? "PSUBSCRIBE" : "SUBSCRIBE").getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(names, 0, command, 1, names.length);
    policy.checkLists(new Command(command));
    if (closed) {
      throw new BridgeException(503, "ERR the bridge is shutting down");
    }
    if (!slots.tryAcquire()) {
      throw new BridgeException(429, "ERR too many subscriptions open: max-subscribers is "
          + config.maxSubscribers);
    }
    metrics.subscribers.incrementAndGet();
    Jedis jedis = new Jedis(new HostAndPort(redis.host(), redis.port()), clientConfig());
    try {
      jedis.connect(); // fails here, before any reply, when Redis is unreachable: 503
      call.setHeader("Cache-Control", "no-cache");
      try (OutputStream out = call.startStream("text/event-stream; charset=utf-8")) {
        Stream stream = new Stream(jedis, out);
        open.add(stream);
        try {
          if (closed) {
            return;
          }
          if (pattern) {
            jedis.psubscribe(stream, names);
          } else {
            jedis.subscribe(stream, names);
          }
        } catch (JedisException | ClientGone e) {
          LOG.debug("subscription ended: {}", e.toString());
        } finally {
          open.remove(stream);
        }
      }
    } finally {
      metrics.subscribers.decrementAndGet();
      slots.release();
      try {
        jedis.close();
      } catch (RuntimeException e) {
        LOG.debug("closing a subscriber connection failed: {}", e.toString());
      }
    }
  }

  private byte[][] names(String path, int from) {
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
      throw BridgeException.badRequest("ERR name a channel: /subscribe/<channel>");
    }
    if (names.size() + 1 > config.maxArgs) {
      throw Requests.tooManyArgs(names.size() + 1, config.maxArgs);
    }
    return names.toArray(new byte[0][]);
  }

  private DefaultJedisClientConfig clientConfig() {
    DefaultJedisClientConfig.Builder builder = DefaultJedisClientConfig.builder();
    if (redis.ssl()) {
      builder.sslOptions(SslOptions.defaults());
    }
    return builder
        .autoNegotiateProtocol(false)
        .user(redis.user())
        .password(redis.password())
        .database(redis.database())
        .clientName("bridge-subscriber")
        .connectionTimeoutMillis((int) redis.connectTimeout().toMillis())
        .socketTimeoutMillis((int) PING_INTERVAL.multipliedBy(3).toMillis())
        .build();
  }

  private void heartbeat() {
    for (Stream stream : open) {
      stream.keepalive();
    }
  }

  private void pingRedis() {
    for (Stream stream : open) {
      try {
        if (stream.isSubscribed()) {
          stream.ping();
        }
      } catch (RuntimeException e) {
        LOG.debug("subscription ping failed: {}", e.toString());
      }
    }
  }

  /** Ends every stream: their connections are closed, so their threads return. */
  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    for (Stream stream : open) {
      stream.end();
    }
  }

  /**
   * One open stream: the Redis subscription's listener and the HTTP body it writes to. Events come
   * from the subscribing thread, heartbeats from the timer: writes are serialized on the stream.
   */
  private static final class Stream extends BinaryJedisPubSub {
    private final Jedis jedis;
    private final OutputStream out;
    private boolean gone;

    Stream(Jedis jedis, OutputStream out) {
      this.jedis = jedis;
      this.out = out;
    }

    @Override
    public void onSubscribe(byte[] channel, int count) {
      event("subscribe", null, channel, Integer.toString(count).getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void onPSubscribe(byte[] pattern, int count) {
      event("psubscribe", null, pattern, Integer.toString(count).getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void onMessage(byte[] channel, byte[] message) {
      event("message", null, channel, message);
    }

    @Override
    public void onPMessage(byte[] pattern, byte[] channel, byte[] message) {
      event("pmessage", pattern, channel, message);
    }

    /** {@code data: kind,[pattern,]channel,payload}; a line break starts another data line. */
    private void event(String kind, byte[] pattern, byte[] channel, byte[] payload) {
      ByteSink line = new ByteSink();
      line.writeAscii(kind);
      line.writeByte(',');
      if (pattern != null) {
        line.writeBytes(pattern);
        line.writeByte(',');
      }
      line.writeBytes(channel);
      line.writeByte(',');
      line.writeBytes(payload);
      ByteSink framed = new ByteSink();
      framed.writeBytes(DATA);
      byte[] bytes = line.array();
      for (int i = 0; i < line.length(); i++) {
        byte b = bytes[i];
        if (b == '\n' || b == '\r') {
          framed.writeByte('\n');
          framed.writeBytes(DATA);
          if (b == '\r' && i + 1 < line.length() && bytes[i + 1] == '\n') {
            i++;
          }
        } else {
          framed.writeByte(b);
        }
      }
      framed.writeByte('\n');
      framed.writeByte('\n');
      if (!write(framed.array(), framed.length())) {
        throw new ClientGone();
      }
    }

    /** A comment line; once the client has left, ends the stream again until its thread sees it. */
    void keepalive() {
      if (!write(KEEPALIVE, KEEPALIVE.length)) {
        end();
      }
    }

    /** Writes and flushes; false (and the stream ended) when the client has left. */
    private synchronized boolean write(byte[] bytes, int length) {
      if (gone) {
        return false;
      }
      try {
        out.write(bytes, 0, length);
        out.flush();
        return true;
      } catch (IOException e) {
        LOG.debug("subscriber left: {}", e.toString());
        end();
        return false;
      }
    }

    /** Closes the Redis connection: the subscribing thread's read fails and it returns. */
    synchronized void end() {
      gone = true;
      try {
        jedis.getConnection().disconnect();
      } catch (RuntimeException e) {
        LOG.debug("closing a subscriber connection failed: {}", e.toString());
      }
    }
  }

  /** The subscriber's HTTP connection failed: the stream is over. */
  private static final class ClientGone extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ClientGone() {
      super("the subscriber left", null, false, false);
    }
  }
}
