package io.github.resilientredis.pool.internal;

import redis.clients.jedis.HostAndPort;

/**
 * One failover event a sentinel published, parsed. Sentinel names an instance as
 * {@code master <name> <ip> <port>} or {@code slave <ip>:<port> <ip> <port> @ <name> <ip> <port>};
 * {@code +switch-master} says {@code <name> <old-ip> <old-port> <new-ip> <new-port>}.
 *
 * @param kind what happened
 * @param masterName the monitored master's name
 * @param oldMaster the master being failed over
 * @param replica the replica being promoted, or the new master; null for an abort
 */
record SentinelEvent(Kind kind, String masterName, HostAndPort oldMaster, HostAndPort replica) {

  /** The channels subscribed to on every sentinel (patterns, for the aborts). */
  static final String[] PATTERNS = {"+selected-slave", "+failover-state-send-slaveof-noone",
      "+promoted-slave", "+switch-master", "-failover-abort-*"};

  enum Kind {
    /** A replica was chosen, told to become master, or seen as master: a promotion is under way. */
    PROMOTION,
    /** The sentinels' configuration now names the new master: the failover's last word. */
    SWITCH_MASTER,
    /** The failover stopped before promoting anyone: the old master stays. */
    ABORT
  }

  /** The event on {@code channel}, or null when it is not one this pool follows or is malformed. */
  static SentinelEvent parse(String channel, String payload) {
    if (channel == null || payload == null) {
      return null;
    }
    String[] words = payload.trim().split(" +");
    try {
      if (channel.equals("+switch-master")) {
        return words.length == 5 ? new SentinelEvent(Kind.SWITCH_MASTER, words[0],
            address(words[1], words[2]), address(words[3], words[4])) : null;
      }
      if (channel.startsWith("-failover-abort-")) {
        return words.length == 4 && words[0].equals("master")
            ? new SentinelEvent(Kind.ABORT, words[1], address(words[2], words[3]), null) : null;
      }
      if (channel.equals("+selected-slave") || channel.equals("+failover-state-send-slaveof-noone")
          || channel.equals("+promoted-slave")) {
        return words.length == 8 && words[0].equals("slave") && words[4].equals("@")
            ? new SentinelEvent(Kind.PROMOTION, words[5], address(words[6], words[7]),
                address(words[2], words[3])) : null;
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return null;
  }

  private static HostAndPort address(String host, String port) {
    return new HostAndPort(host, Integer.parseInt(port));
  }
}
