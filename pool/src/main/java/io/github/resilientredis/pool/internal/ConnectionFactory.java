package io.github.resilientredis.pool.internal;

import io.github.resilientredis.pool.RedisPoolConfig;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** Opens connections to the configured server: TCP (or TLS), AUTH, SELECT, CLIENT SETNAME. */
final class ConnectionFactory {

  private final RedisPoolConfig config;
  private final JedisClientConfig jedisConfig;
  private final ConnectionOwner owner;
  /** The server to connect to: fixed, or the master Sentinel names now. */
  private final Supplier<HostAndPort> server;

  ConnectionFactory(RedisPoolConfig config, ConnectionOwner owner) {
    this(config, owner, null);
  }

  ConnectionFactory(RedisPoolConfig config, ConnectionOwner owner, Supplier<HostAndPort> server) {
    this.config = config;
    this.owner = owner;
    HostAndPort fixed = new HostAndPort(config.host(), config.port());
    this.server = server != null ? server : () -> fixed;
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
    HostAndPort address = server.get();
    if (address == null) {
      throw new JedisConnectionException("no master known yet for " + config.serverUri());
    }
    ChannelSocketFactory socketFactory = new ChannelSocketFactory(address.getHost(), address.getPort(),
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
