package io.github.resilientredis.pool.internal;

import io.github.resilientredis.pool.RedisPoolConfig;
import java.util.concurrent.ThreadLocalRandom;
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
  PooledConnection open(long nowNanos, long heartbeatDelayNanos, int generation) {
    ChannelSocketFactory socketFactory = new ChannelSocketFactory(config.host(), config.port(),
        jedisConfig.getConnectionTimeoutMillis(), jedisConfig.getSocketTimeoutMillis(),
        config.ssl());
    return new PooledConnection(socketFactory, jedisConfig, owner, nowNanos, heartbeatDelayNanos,
        jitteredLifetimeNanos(), generation);
  }

  /** maxLifetime shortened by up to 25% at random, so connections opened together retire apart. */
  private long jitteredLifetimeNanos() {
    long lifetime = config.maxLifetime().toNanos();
    if (lifetime == 0) {
      return 0;
    }
    return lifetime - (long) (lifetime * 0.25 * ThreadLocalRandom.current().nextDouble());
  }

  private static int toMillis(java.time.Duration duration) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, duration.toMillis()));
  }
}
