package io.github.resilientredis.bridge;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A channel or a pattern that held requests wait on, shared by all of them: Redis is subscribed to
 * it once, on one of the hub's connections, while it has at least one listener.
 *
 * <p>{@link #state} and {@link #removed} change under the topic's own lock; the listener set is
 * read without it by the thread that delivers messages.
 */
final class Topic {

  /** Where Redis stands with this topic on its connection. */
  enum State { UNSUBSCRIBED, SUBSCRIBING, SUBSCRIBED, UNSUBSCRIBING }

  final String key;
  final byte[] name;
  final boolean pattern;
  final Set<HubListener> listeners = ConcurrentHashMap.newKeySet();
  State state = State.UNSUBSCRIBED;
  /** Taken out of the hub's map: a listener that finds it so joins a fresh topic instead. */
  boolean removed;
  /** When the last listener left (the unsubscribe waits {@link PubSubHub#LINGER_NANOS}). */
  volatile long emptySinceNanos;
  /** When the subscription was lost with listeners waiting (0: not lost). */
  long lostAtNanos;

  Topic(byte[] name, boolean pattern) {
    this.name = name;
    this.pattern = pattern;
    this.key = key(name, pattern);
  }

  /** Bytes as Latin-1 characters (one to one), so any channel name is a map key. */
  static String key(byte[] name, boolean pattern) {
    return (pattern ? "p:" : "c:") + new String(name, StandardCharsets.ISO_8859_1);
  }

  @Override
  public String toString() {
    return (pattern ? "pattern " : "channel ") + new String(name, StandardCharsets.UTF_8);
  }
}
