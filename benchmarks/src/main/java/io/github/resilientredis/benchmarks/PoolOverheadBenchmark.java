package io.github.resilientredis.benchmarks;

import io.github.resilientredis.pool.ConnectionCallback;
import io.github.resilientredis.pool.RedisPool;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;

/**
 * What a pool costs: one borrow and one return of a connection that needs no check, nothing sent.
 * Each pool holds 8 real, open connections to the same local Redis, and lends them last-in
 * first-out. Run with {@code -t 1}, {@code -t 2}, {@code -t 8}, {@code -t 32} (32 threads share 8
 * connections: borrowers wait), and {@code -p redisPort=<port>} of a Redis you started.
 *
 * <ul>
 *   <li>{@link #resilientPool}: {@code RedisPool.withConnection(c -> null)}, the public path that
 *       is exactly one borrow and one return. The connection was used moments ago (inside the
 *       500 ms alive-bypass window), so it is lent without a peek or a PING.
 *   <li>{@link #genericObjectPool}: commons-pool2 {@code GenericObjectPool<Connection>} with its
 *       default config (maxTotal 8, LIFO, no validation, no evictor) over plain Jedis
 *       {@code Connection}s, and a factory whose activate, passivate and validate do nothing:
 *       {@code borrowObject()} then {@code returnObject(c)}. This is the pool under JedisPool and
 *       under Jedis 8's {@code RedisClient}, and nothing else.
 *   <li>{@link #jedisPool}: {@code JedisPool} with {@code JedisPoolConfig} defaults (no
 *       testOnBorrow): {@code getResource()} then {@code close()}, as applications call it.
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PoolOverheadBenchmark {

  static final int CONNECTIONS = 8;
  private static final ConnectionCallback<Object> NOTHING = connection -> null;

  @Benchmark
  public Object resilientPool(ResilientState state) {
    return state.pool.withConnection(NOTHING);
  }

  @Benchmark
  public Object genericObjectPool(GenericState state) throws Exception {
    Connection connection = state.pool.borrowObject();
    state.pool.returnObject(connection);
    return connection;
  }

  @Benchmark
  public Object jedisPool(JedisPoolState state) {
    Jedis jedis = state.pool.getResource();
    jedis.close();
    return jedis;
  }

  /** The port of a Redis started for the benchmark; never a default one. */
  @State(Scope.Benchmark)
  public abstract static class RedisPort {
    @Param("0")
    public int redisPort;

    HostAndPort redis() {
      return new HostAndPort(Bench.HOST, Bench.requirePort(redisPort));
    }
  }

  @State(Scope.Benchmark)
  public static class ResilientState extends RedisPort {
    RedisPool pool;

    @Setup(Level.Trial)
    public void open() {
      pool = RedisPool.builder().host(redis().getHost()).port(redis().getPort())
          .maxTotal(CONNECTIONS).minIdle(CONNECTIONS).name("bench-overhead").build();
      Bench.awaitIdle(pool, CONNECTIONS);
    }

    @TearDown(Level.Trial)
    public void close() {
      pool.close();
    }
  }

  @State(Scope.Benchmark)
  public static class GenericState extends RedisPort {
    GenericObjectPool<Connection> pool;

    @Setup(Level.Trial)
    public void open() throws Exception {
      GenericObjectPoolConfig<Connection> config = new GenericObjectPoolConfig<>();
      config.setMaxTotal(CONNECTIONS);
      config.setMaxIdle(CONNECTIONS);
      config.setJmxEnabled(false);
      pool = new GenericObjectPool<>(new PlainConnectionFactory(redis()), config);
      for (int i = 0; i < CONNECTIONS; i++) {
        pool.addObject();
      }
    }

    @TearDown(Level.Trial)
    public void close() {
      pool.close();
    }
  }

  @State(Scope.Benchmark)
  public static class JedisPoolState extends RedisPort {
    JedisPool pool;

    @Setup(Level.Trial)
    public void open() {
      JedisPoolConfig config = new JedisPoolConfig();
      config.setJmxEnabled(false);
      pool = new JedisPool(config, redis().getHost(), redis().getPort());
      pool.addObjects(CONNECTIONS);
    }

    @TearDown(Level.Trial)
    public void close() {
      pool.close();
    }
  }

  /** Opened, PINGed once, then never checked again: the pool alone is measured. */
  static final class PlainConnectionFactory extends BasePooledObjectFactory<Connection> {
    private final HostAndPort redis;

    PlainConnectionFactory(HostAndPort redis) {
      this.redis = redis;
    }

    @Override
    public Connection create() {
      Connection connection = new Connection(redis);
      connection.connect();
      if (!connection.ping()) {
        throw new IllegalStateException("Redis at " + redis + " did not answer PING");
      }
      return connection;
    }

    @Override
    public PooledObject<Connection> wrap(Connection connection) {
      return new DefaultPooledObject<>(connection);
    }

    @Override
    public void destroyObject(PooledObject<Connection> pooled) {
      pooled.getObject().disconnect();
    }
  }
}
