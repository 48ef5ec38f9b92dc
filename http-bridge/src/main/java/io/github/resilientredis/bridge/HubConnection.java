package io.github.resilientredis.bridge;

import io.github.resilientredis.pool.RedisPoolConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the hub's Redis connections and the topics hashed to it. Two threads: the reader
 * connects (again, after any loss, with a capped back-off) and delivers what Redis pushes; the
 * writer turns topics whose wish changed into batched SUBSCRIBE / UNSUBSCRIBE commands, PINGs an
 * idle connection, and closes one that answered nothing for three ping intervals (Redis hangs):
 * the reader's reads have no deadline of their own.
 *
 * <p>The state machine of a topic ({@link Topic.State}) moves on the writer's commands and the
 * reader's confirmations; whoever moves it re-queues the topic when the wish may differ from the
 * state, so the writer converges: subscribed while it has listeners, unsubscribed and dropped
 * once the last one left.
 */
final class HubConnection {

  private static final Logger LOG = LoggerFactory.getLogger(HubConnection.class);
  /** Names in one SUBSCRIBE / UNSUBSCRIBE command. */
  private static final int BATCH = 1000;
  private static final byte[] SUBSCRIBE = ascii("SUBSCRIBE");
  private static final byte[] PSUBSCRIBE = ascii("PSUBSCRIBE");
  private static final byte[] UNSUBSCRIBE = ascii("UNSUBSCRIBE");
  private static final byte[] PUNSUBSCRIBE = ascii("PUNSUBSCRIBE");
  private static final byte[] PING = ascii("PING");
  /** The writer's tick while unhurried changes or lingering topics wait. */
  static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** Ping intervals without a reply after which Redis is taken to hang. */
  private static final int SILENCE_PINGS = 3;

  private final PubSubHub hub;
  private final int index;
  private final RedisPoolConfig redis;
  private final Duration pingInterval;
  /** Topics to look at; a set, so that churn during an outage does not pile up. */
  private final Set<Topic> changed = ConcurrentHashMap.newKeySet();
  /** Changes for the writer's next tick ({@link #changedUnhurried}). */
  private final Set<Topic> unhurried = ConcurrentHashMap.newKeySet();
  /** The writer wakes every {@link #TICK_NANOS} (there are unhurried or lingering topics). */
  private final AtomicBoolean ticking = new AtomicBoolean();
  /** Topics without listeners whose unsubscribe waits out the linger (writer thread only). */
  private final ArrayDeque<Topic> lingering = new ArrayDeque<>();
  private final Thread reader;
  private final Thread writer;
  private volatile PubSubConnection connection;
  private volatile CompletableFuture<Void> up = new CompletableFuture<>();
  private volatile boolean closed;
  private long lastWriteNanos;
  /** When the reader last had a reply: silence for {@link #SILENCE_PINGS} pings closes it. */
  private volatile long lastReadNanos;
  /** The connection the writer has subscribed the topics on (writer thread only). */
  private PubSubConnection session;
  /**
   * Commands sent and not yet fully answered, oldest first: a SUBSCRIBE of n names is answered
   * n times, or once with an error (an ACL refusal) that then belongs to its names.
   */
  private final ArrayDeque<Sent> sent = new ArrayDeque<>();

  /** A command on the wire: its topics (none for PING) and how many replies are still due. */
  private static final class Sent {
    final List<Topic> topics;
    int due;

    Sent(List<Topic> topics, int due) {
      this.topics = topics;
      this.due = due;
    }
  }

  HubConnection(PubSubHub hub, int index, RedisPoolConfig redis, Duration pingInterval) {
    this.hub = hub;
    this.index = index;
    this.redis = redis;
    this.pingInterval = pingInterval;
    this.reader = daemon("bridge-pubsub-" + index + "-reader", this::readLoop);
    this.writer = daemon("bridge-pubsub-" + index + "-writer", this::writeLoop);
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }

  void start() {
    reader.start();
    writer.start();
  }

  boolean isUp() {
    return up.isDone();
  }

  /** Waits up to {@code timeout} for the connection to be up; false if it is not. */
  boolean awaitUp(Duration timeout) {
    try {
      up.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The topic's listeners changed, or Redis confirmed something: the writer takes a look. */
  void changed(Topic topic) {
    changed.add(topic);
    LockSupport.unpark(writer);
  }

  /**
   * A change that can wait for the writer's next tick, {@link #TICK_NANOS} at most: a topic left
   * without listeners (it lingers anyway), or confirmed with none. When thousands of long-polls
   * end one after another, the writer then wakes twenty times a second, not twice per request.
   */
  void changedUnhurried(Topic topic) {
    unhurried.add(topic);
    if (!ticking.get() && ticking.compareAndSet(false, true)) {
      LockSupport.unpark(writer); // it was asleep for a whole ping interval: it ticks from now
    }
  }

  void close() {
    closed = true;
    PubSubConnection c = connection;
    if (c != null) {
      c.close();
    }
    reader.interrupt();
    LockSupport.unpark(writer);
  }

  // ---- reader -------------------------------------------------------------------------------

  private void readLoop() {
    long backoff = redis.reconnectBackoffMin().toNanos();
    long maxBackoff = Math.min(redis.reconnectBackoffMax().toNanos(),
        TimeUnit.MILLISECONDS.toNanos(250)); // resubscribed within 1 s of Redis answering
    boolean warned = false;
    while (!closed) {
      PubSubConnection c;
      try {
        c = PubSubConnection.open(redis, "bridge-pubsub");
      } catch (IOException | RuntimeException e) {
        if (!warned) {
          LOG.warn("pub/sub connection {} to {}:{} failed: {}; retrying", index, redis.host(),
              redis.port(), e.toString());
          warned = true;
        } else {
          LOG.debug("pub/sub connection {} failed again: {}", index, e.toString());
        }
        LockSupport.parkNanos(backoff);
        backoff = Math.min(maxBackoff, backoff * 2);
        continue;
      }
      if (warned) {
        LOG.info("pub/sub connection {} to {}:{} is back; subscribing again", index, redis.host(),
            redis.port());
      }
      warned = false;
      backoff = redis.reconnectBackoffMin().toNanos();
      lastReadNanos = System.nanoTime();
      connection = c;
      if (closed) {
        c.close();
        break;
      }
      up.complete(null);
      LockSupport.unpark(writer); // it sees a new connection and subscribes every topic on it
      try {
        while (!closed) {
          Object reply = c.read();
          lastReadNanos = System.nanoTime();
          handle(reply);
        }
      } catch (IOException | RuntimeException e) {
        if (!closed) {
          LOG.warn("pub/sub connection {} lost: {}; subscribers stay open", index, e.toString());
          warned = true;
        }
      } finally {
        up = new CompletableFuture<>();
        connection = null;
        c.close();
        hub.lost(this);
      }
    }
  }

  private void handle(Object reply) {
    if (!(reply instanceof List<?> push) || push.isEmpty() || !(push.get(0) instanceof byte[] k)) {
      Sent command = answered(true);
      if (reply instanceof PubSubConnection.Error e) {
        if (command != null && !command.topics.isEmpty()) {
          LOG.debug("pub/sub connection {}: Redis refused {} names: {}", index,
              command.topics.size(), e.message());
          hub.refused(command.topics, e.message());
        } else {
          LOG.warn("pub/sub connection {}: Redis answered {}", index, e.message());
        }
      }
      return; // +PONG outside subscriber mode
    }
    String kind = new String(k, StandardCharsets.US_ASCII);
    if (!kind.equals("message") && !kind.equals("pmessage")) {
      answered(false); // one of a SUBSCRIBE's (or UNSUBSCRIBE's) replies, or a PING's
    }
    switch (kind) {
      case "message" -> hub.deliver(Topic.key((byte[]) push.get(1), false),
          new Message(null, (byte[]) push.get(1), (byte[]) push.get(2), System.nanoTime()));
      case "pmessage" -> hub.deliver(Topic.key((byte[]) push.get(1), true),
          new Message((byte[]) push.get(1), (byte[]) push.get(2), (byte[]) push.get(3),
              System.nanoTime()));
      case "subscribe", "psubscribe" ->
          hub.confirmed(Topic.key((byte[]) push.get(1), kind.equals("psubscribe")), true);
      case "unsubscribe", "punsubscribe" -> {
        if (push.get(1) instanceof byte[] name) {
          hub.confirmed(Topic.key(name, kind.equals("punsubscribe")), false);
        }
      }
      default -> {
        // "pong"
      }
    }
  }

  /** Counts one reply to the oldest command; returns it once complete (or on an error). */
  private Sent answered(boolean whole) {
    synchronized (sent) {
      Sent head = sent.peek();
      if (head == null) {
        return null;
      }
      if (whole || --head.due <= 0) {
        sent.poll();
        return head;
      }
      return null;
    }
  }

  // ---- writer -------------------------------------------------------------------------------

  private void writeLoop() {
    while (!closed) {
      long sleep = pingInterval.toNanos();
      if (lingering.isEmpty() && unhurried.isEmpty()) {
        ticking.set(false);
      }
      // checked after the reset: a topic queued meanwhile either sees ticking off (and wakes
      // this thread) or is seen here
      if (!lingering.isEmpty() || !unhurried.isEmpty()) {
        ticking.set(true);
        sleep = TICK_NANOS;
      }
      if (changed.isEmpty() && connection == session) { // else: a new connection
        LockSupport.parkNanos(sleep);
      }
      for (Iterator<Topic> it = unhurried.iterator(); it.hasNext(); ) {
        Topic topic = it.next();
        it.remove(); // before it joins the others: queued again meanwhile, it is seen next tick
        changed.add(topic);
      }
      // lingering topics whose time is up are looked at again (in the order they came)
      long now = System.nanoTime();
      while (!lingering.isEmpty()
          && now - lingering.peek().emptySinceNanos >= PubSubHub.LINGER_NANOS) {
        changed.add(lingering.poll());
      }
      PubSubConnection c = connection;
      if (c == null || !up.isDone()) {
        // The changes wait (every topic is queued again when the connection is back), and so
        // does this thread: the reader wakes it once connected.
        LockSupport.parkNanos(pingInterval.toNanos());
        continue;
      }
      if (c != session) {
        // A new connection: whatever was asked on the old one will never be answered. Only this
        // thread moves a topic to SUBSCRIBING, so resetting here cannot race with a send.
        session = c;
        synchronized (sent) {
          sent.clear(); // those were asked on the lost connection
        }
        hub.connected(this);
        LOG.debug("pub/sub connection {}: new connection, {} topics to subscribe", index,
            changed.size());
      }
      if (now - lastReadNanos > SILENCE_PINGS * pingInterval.toNanos()) {
        LOG.warn("pub/sub connection {}: Redis answered nothing for {} ms; reconnecting", index,
            TimeUnit.NANOSECONDS.toMillis(now - lastReadNanos));
        lastReadNanos = now; // once: the reader's reconnect resets it
        c.close(); // the reader's blocked read fails, and it reconnects
        continue;
      }
      try {
        flushChanges(c);
        if (System.nanoTime() - lastWriteNanos >= pingInterval.toNanos()) {
          write(c, List.of(PING), List.of());
        }
      } catch (IOException e) {
        LOG.debug("pub/sub connection {}: write failed: {}", index, e.toString());
        c.close(); // the reader sees it and reconnects
      }
    }
  }

  private void flushChanges(PubSubConnection c) throws IOException {
    List<Topic> subscribe = new ArrayList<>();
    List<Topic> psubscribe = new ArrayList<>();
    List<Topic> unsubscribe = new ArrayList<>();
    List<Topic> punsubscribe = new ArrayList<>();
    for (Iterator<Topic> it = changed.iterator(); it.hasNext(); ) {
      Topic topic = it.next();
      it.remove(); // before looking: a change made meanwhile queues it again
      switch (hub.nextStep(topic)) {
        case SUBSCRIBE -> (topic.pattern ? psubscribe : subscribe).add(topic);
        case UNSUBSCRIBE -> (topic.pattern ? punsubscribe : unsubscribe).add(topic);
        case LATER -> lingering.add(topic);
        default -> {
          // nothing to send
        }
      }
      if (subscribe.size() + psubscribe.size() + unsubscribe.size() + punsubscribe.size()
          >= BATCH) {
        break;
      }
    }
    send(c, SUBSCRIBE, subscribe);
    send(c, PSUBSCRIBE, psubscribe);
    send(c, UNSUBSCRIBE, unsubscribe);
    send(c, PUNSUBSCRIBE, punsubscribe);
  }

  private void send(PubSubConnection c, byte[] command, List<Topic> topics) throws IOException {
    if (topics.isEmpty()) {
      return;
    }
    LOG.debug("pub/sub connection {}: {} {} names", index, new String(command,
        StandardCharsets.US_ASCII), topics.size());
    List<byte[]> args = new ArrayList<>(topics.size() + 1);
    args.add(command);
    for (Topic topic : topics) {
      args.add(topic.name);
    }
    write(c, args, topics);
  }

  private void write(PubSubConnection c, List<byte[]> args, List<Topic> topics)
      throws IOException {
    synchronized (sent) {
      sent.add(new Sent(topics, Math.max(1, topics.size()))); // before: the reply may be quick
    }
    c.send(args);
    lastWriteNanos = System.nanoTime();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public String toString() {
    return "pub/sub connection " + index;
  }
}
