package io.github.resilientredis.pool.internal;

import io.github.resilientredis.pool.RedisPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisClientConfig;

/** Opens connections to the configured server: TCP (or TLS), AUTH, SELECT, CLIENT SETNAME. */
final class ConnectionFactory {

  private final RedisPoolConfig config;
  private final JedisClientConfig jedisConfig;
  private final ConnectionOwner owner;

  ConnectionFactory(RedisPoolConfig config, ConnectionOwner owner) {
    this.config = config;
    this.owner = owner;
    this.jedisConfig = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis(toMillis(config.connectTimeout()))
        .socketTimeoutMillis(toMillis(config.readTimeout()))
        .user(config.user())
        .password(config.password())
        .database(config.database())
        .clientName(config.clientName())
        .protocol(config.protocol())
        .build();
  }

  JedisClientConfig jedisConfig() {
    return jedisConfig;
  }

  /** Opens one connection, or throws a {@code JedisException} saying why not. */
  PooledConnection open(long nowNanos, long heartbeatDelayNanos) {
    ChannelSocketFactory socket = new ChannelSocketFactory(config.host(), config.port(),
        jedisConfig.getConnectionTimeoutMillis(), jedisConfig.getSocketTimeoutMillis(),
        config.ssl());
    return new PooledConnection(socket, jedisConfig, owner, nowNanos, heartbeatDelayNanos);
  }

  private static int toMillis(java.time.Duration duration) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, duration.toMillis()));
  }
}
