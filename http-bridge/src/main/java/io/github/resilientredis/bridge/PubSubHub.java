package io.github.resilientredis.bridge;

import io.github.resilientredis.pool.RedisPoolConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Every held request's subscriptions, multiplexed on a few Redis connections (Redis serves any
 * number of channels and patterns on one): a topic is subscribed once, however many requests
 * wait on it, and unsubscribed as soon as the last one leaves. Topics are spread over the
 * connections by hash; each connection is opened on first use.
 *
 * <p>When a connection is lost its topics stay, with their listeners; once Redis answers again
 * they are subscribed again, and each listener hears how long its subscription was missing.
 */
final class PubSubHub implements AutoCloseable {

  /** What a connection's writer should do about a topic. */
  enum Step { SUBSCRIBE, UNSUBSCRIBE, NOTHING, LATER }

  /**
   * How long a channel stays subscribed after its last listener left: a client that waits again
   * at once (a long-poll answered, polling anew) finds it still there, and the unsubscribes of
   * many requests ending one after another go to Redis together instead of one command (and one
   * confirmation) each. Well within the second in which a channel must be released.
   */
  static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Map<String, Topic> topics = new ConcurrentHashMap<>();
  private final HubConnection[] connections;
  /** Sends a message to a topic's many listeners from every core. */
  private final FanOut fanOut = FanOut.forThisMachine();
  private final boolean[] started;
  private volatile boolean closed;

  PubSubHub(RedisPoolConfig redis, int connectionCount, Duration pingInterval) {
    this.connections = new HubConnection[connectionCount];
    this.started = new boolean[connectionCount];
    for (int i = 0; i < connectionCount; i++) {
      connections[i] = new HubConnection(this, i, redis, pingInterval);
    }
  }

  /**
   * Adds {@code listener} to the topic, subscribing Redis to it if it is the first. The listener
   * hears {@link HubListener#live} once Redis has confirmed (at once when it already had).
   */
  Topic join(byte[] name, boolean pattern, HubListener listener) {
    String key = Topic.key(name, pattern);
    while (true) {
      Topic topic = topics.computeIfAbsent(key, k -> new Topic(name, pattern));
      boolean live;
      synchronized (topic) {
        if (topic.removed) {
          continue; // being dropped as we came: take a fresh one
        }
        topic.listeners.add(listener);
        live = topic.state == Topic.State.SUBSCRIBED;
      }
      if (live) {
        listener.live(topic, 0);
      } else {
        connectionOf(topic).changed(topic);
      }
      return topic;
    }
  }

  /** Takes the listener off; the topic is unsubscribed once it has none. Idempotent. */
  void leave(Topic topic, HubListener listener) {
    if (topic.listeners.remove(listener) && topic.listeners.isEmpty()) {
      topic.emptySinceNanos = System.nanoTime();
      connectionOf(topic).changedUnhurried(topic); // it lingers first anyway
    }
  }

  /** Whether the connection that serves {@code name} is up, waiting up to {@code timeout}. */
  boolean awaitConnection(byte[] name, boolean pattern, Duration timeout) {
    return connectionOf(Topic.key(name, pattern)).awaitUp(timeout);
  }

  /** Topics subscribed in Redis now (for the metrics). */
  int subscribedTopics() {
    int n = 0;
    for (Topic topic : topics.values()) {
      synchronized (topic) {
        if (topic.state == Topic.State.SUBSCRIBED) {
          n++;
        }
      }
    }
    return n;
  }

  /** Connections up now / opened so far. */
  int[] connectionsUp() {
    int up = 0;
    int opened = 0;
    synchronized (started) {
      for (int i = 0; i < connections.length; i++) {
        if (started[i]) {
          opened++;
          up += connections[i].isUp() ? 1 : 0;
        }
      }
    }
    return new int[] {up, opened};
  }

  private HubConnection connectionOf(Topic topic) {
    return connectionOf(topic.key);
  }

  private HubConnection connectionOf(String key) {
    int i = Math.floorMod(key.hashCode(), connections.length);
    synchronized (started) {
      if (!started[i] && !closed) {
        started[i] = true;
        connections[i].start();
      }
    }
    return connections[i];
  }

  // ---- called by the connections ------------------------------------------------------------

  void deliver(String key, Message message) {
    Topic topic = topics.get(key);
    if (topic != null) {
      fanOut.deliver(topic.listeners, message);
    }
  }

  /** Redis confirmed a SUBSCRIBE ({@code subscribed}) or an UNSUBSCRIBE. */
  void confirmed(String key, boolean subscribed) {
    Topic topic = topics.get(key);
    if (topic == null) {
      return;
    }
    long gapNanos = 0;
    synchronized (topic) {
      if (subscribed) {
        if (topic.state != Topic.State.SUBSCRIBING) {
          return;
        }
        topic.state = Topic.State.SUBSCRIBED;
        if (topic.lostAtNanos != 0) {
          gapNanos = Math.max(1, System.nanoTime() - topic.lostAtNanos);
          topic.lostAtNanos = 0;
        }
      } else {
        topic.state = Topic.State.UNSUBSCRIBED;
      }
    }
    if (subscribed) {
      long gapMillis = gapNanos == 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(gapNanos));
      for (HubListener listener : topic.listeners) {
        listener.live(topic, gapMillis);
      }
    }
    // The wish may have changed while Redis answered. Without listeners the topic lingers or is
    // dropped, which can wait for the writer's tick (a listener that joins from now on calls
    // changed() itself); one that came while it was unsubscribing wants it back at once.
    if (topic.listeners.isEmpty()) {
      connectionOf(topic).changedUnhurried(topic);
    } else if (!subscribed) {
      connectionOf(topic).changed(topic);
    }
  }

  /**
   * Redis refused to subscribe these topics (an ACL without the channel): their listeners hear
   * why, and leave.
   */
  void refused(java.util.List<Topic> refused, String error) {
    for (Topic topic : refused) {
      synchronized (topic) {
        if (topic.state == Topic.State.SUBSCRIBING) {
          topic.state = Topic.State.UNSUBSCRIBED;
        }
      }
      for (HubListener listener : topic.listeners) {
        listener.refused(topic, error);
      }
    }
  }

  /** The writer's decision for one topic, with the state moved accordingly. */
  Step nextStep(Topic topic) {
    synchronized (topic) {
      if (topic.removed) {
        return Step.NOTHING;
      }
      boolean wanted = !topic.listeners.isEmpty();
      switch (topic.state) {
        case UNSUBSCRIBED -> {
          if (wanted) {
            topic.state = Topic.State.SUBSCRIBING;
            return Step.SUBSCRIBE;
          }
          topic.removed = true;
          topics.remove(topic.key, topic);
          return Step.NOTHING;
        }
        case SUBSCRIBED -> {
          if (!wanted && System.nanoTime() - topic.emptySinceNanos < LINGER_NANOS) {
            return Step.LATER; // the writer looks again once the linger is over
          }
          if (!wanted) {
            topic.state = Topic.State.UNSUBSCRIBING;
            topic.lostAtNanos = 0;
            return Step.UNSUBSCRIBE;
          }
          return Step.NOTHING;
        }
        default -> {
          return Step.NOTHING; // a reply is on its way and queues the topic again
        }
      }
    }
  }

  /**
   * A connection is up (called by its writer): commands sent on the one before are forgotten,
   * and every topic it serves is queued to be subscribed.
   */
  void connected(HubConnection connection) {
    for (Topic topic : topics.values()) {
      if (connectionOf(topic) == connection) {
        synchronized (topic) {
          if (topic.state != Topic.State.SUBSCRIBED) {
            topic.state = Topic.State.UNSUBSCRIBED;
          }
        }
        connection.changed(topic);
      }
    }
  }

  /** A connection is lost: its topics are unsubscribed as far as Redis knows. */
  void lost(HubConnection connection) {
    long now = System.nanoTime();
    for (Topic topic : topics.values()) {
      if (connectionOf(topic) == connection) {
        synchronized (topic) {
          if (topic.state == Topic.State.SUBSCRIBED && topic.lostAtNanos == 0) {
            topic.lostAtNanos = now;
          }
          topic.state = Topic.State.UNSUBSCRIBED;
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    fanOut.close();
    synchronized (started) {
      for (int i = 0; i < connections.length; i++) {
        if (started[i]) {
          connections[i].close();
        }
      }
    }
  }

  @Override
  public String toString() {
    return "PubSubHub[" + topics.size() + " topics on " + Arrays.toString(connectionsUp()) + "]";
  }
}
