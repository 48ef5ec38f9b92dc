package io.github.resilientredis.pool.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.DefaultJedisSocketFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;

/**
 * A connection the Sentinel follower uses for itself, never lent: to a sentinel (its events, its
 * answers) or to a data node (ROLE). Not thread-safe, except that {@link #ping} may be called
 * while another thread reads subscription messages (writing and reading use separate streams).
 */
final class NodeConnection extends Connection {

  private final HostAndPort address;

  private NodeConnection(HostAndPort address, JedisClientConfig config) {
    // Jedis's own socket, not the pool's TimedChannel: a subscription is read by one thread while
    // another PINGs it, and a plain socket allows a read and a write at once.
    super(new DefaultJedisSocketFactory(address, config), config);
    this.address = address;
  }

  /** Opens, authenticates; throws a {@code JedisException} saying why not. */
  static NodeConnection open(HostAndPort address, int connectTimeoutMillis, int readTimeoutMillis,
      boolean ssl, String user, String password) {
    JedisClientConfig config = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis(connectTimeoutMillis)
        .socketTimeoutMillis(readTimeoutMillis)
        .user(user)
        .password(password)
        .ssl(ssl)
        .build();
    return new NodeConnection(address, config); // connects and authenticates
  }

  HostAndPort address() {
    return address;
  }

  /** The first word of ROLE: master, slave or sentinel. */
  String role() {
    Object reply = executeCommand(new CommandArguments(Protocol.Command.ROLE));
    if (reply instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof byte[] word) {
      return new String(word, StandardCharsets.UTF_8);
    }
    return "unknown";
  }

  /** SENTINEL GET-MASTER-ADDR-BY-NAME: the master this sentinel names, or null if it has none. */
  HostAndPort masterAddress(String masterName) {
    Object reply = executeCommand(new CommandArguments(Protocol.Command.SENTINEL)
        .add("get-master-addr-by-name").add(masterName));
    if (reply instanceof List<?> list && list.size() == 2 && list.get(0) instanceof byte[] host
        && list.get(1) instanceof byte[] port) {
      return new HostAndPort(new String(host, StandardCharsets.UTF_8),
          Integer.parseInt(new String(port, StandardCharsets.UTF_8)));
    }
    return null;
  }

  /** Sends PSUBSCRIBE and reads its confirmations. */
  void psubscribe(String... patterns) {
    sendCommand(Protocol.Command.PSUBSCRIBE, patterns);
    for (int i = 0; i < patterns.length; i++) {
      getOne();
    }
  }

  /** Sends a PING and flushes it without reading the reply: the subscription reader will. */
  synchronized void sendPing() {
    sendCommand(Protocol.Command.PING);
    flush();
  }

  void closeQuietly() {
    try {
      disconnect();
    } catch (RuntimeException ignored) {
      // closing a dead connection may fail; it is gone either way
    }
  }
}
