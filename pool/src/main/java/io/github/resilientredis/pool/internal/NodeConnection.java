package io.github.resilientredis.pool.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SSLParameters;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.DefaultJedisSocketFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisProtocol;

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
    SSLParameters tls = new SSLParameters();
    tls.setEndpointIdentificationAlgorithm("HTTPS"); // verify the host name, as the pool does
    JedisClientConfig config = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis(connectTimeoutMillis)
        .socketTimeoutMillis(readTimeoutMillis)
        .user(user)
        .password(password)
        .ssl(ssl)
        .sslParameters(ssl ? tls : null)
        .protocol(RedisProtocol.RESP2) // flat replies and plain pub/sub messages, parsed below
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

  /** What a sentinel says of the master: its address and the configuration epoch it was set in. */
  record MasterInfo(HostAndPort address, long configEpoch) {}

  /**
   * SENTINEL MASTER: the master this sentinel names and its config-epoch, or null if it does not
   * monitor that name. The epoch tells a sentinel that has not heard of the last failover yet.
   */
  MasterInfo masterInfo(String masterName) {
    Object reply = executeCommand(new CommandArguments(Protocol.Command.SENTINEL)
        .add("master").add(masterName));
    if (!(reply instanceof List<?> fields)) {
      return null;
    }
    String ip = null;
    String port = null;
    long epoch = -1;
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      if (fields.get(i) instanceof byte[] key && fields.get(i + 1) instanceof byte[] value) {
        switch (new String(key, StandardCharsets.UTF_8)) {
          case "ip" -> ip = new String(value, StandardCharsets.UTF_8);
          case "port" -> port = new String(value, StandardCharsets.UTF_8);
          case "config-epoch" -> epoch = Long.parseLong(new String(value, StandardCharsets.UTF_8));
          default -> { }
        }
      }
    }
    return ip == null || port == null ? null
        : new MasterInfo(new HostAndPort(ip, Integer.parseInt(port)), epoch);
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
