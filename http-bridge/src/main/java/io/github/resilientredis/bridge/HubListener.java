package io.github.resilientredis.bridge;

/**
 * What the hub tells a held request. Called on the hub's threads: implementations queue the event
 * and return at once, never write to a client here (one slow client would hold up everyone).
 */
interface HubListener {

  /**
   * Redis confirmed the subscription to {@code topic}: messages flow from now. Called again after
   * Redis was away, once the hub has subscribed again; {@code gapMillis} is then how long the
   * subscription was missing (messages published meanwhile were not delivered), 0 the first time.
   */
  void live(Topic topic, long gapMillis);

  void message(Message message);

  /**
   * Called after {@link #message} has been called for every listener of the message's topic:
   * work that may wait until the whole fan-out is done.
   */
  default void settle() {}

  /** Redis refused the subscription ({@code error}: its reply, such as {@code NOPERM ...}). */
  void refused(Topic topic, String error);
}
