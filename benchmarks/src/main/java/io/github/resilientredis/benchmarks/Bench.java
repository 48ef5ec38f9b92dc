package io.github.resilientredis.benchmarks;

import io.github.resilientredis.pool.RedisPool;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/** What the benchmarks share: the loopback address, bounded waits, small statistics. */
final class Bench {

  /** Every benchmark talks to a Redis it was given on loopback, never anywhere else. */
  static final String HOST = "127.0.0.1";

  private Bench() {}

  static int requirePort(int port) {
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("pass the port of a Redis started for the benchmark"
          + " (-p redisPort=<port> for JMH, --port for the others): " + port);
    }
    if (port == 6379) {
      throw new IllegalArgumentException(
          "6379 is the system Redis's port; start a Redis of your own on a free port");
    }
    return port;
  }

  /** Waits up to 10 s for a pool to hold {@code count} idle connections. */
  static void awaitIdle(RedisPool pool, int count) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (pool.stats().idle() < count) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("the pool did not open " + count + " connections in 10 s: "
            + pool.stats());
      }
      sleep(10);
    }
  }

  /** True once Redis answers PING, within {@code millis}. */
  static boolean awaitPing(int port, long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    do {
      try (Jedis jedis = new Jedis(HOST, port, 500)) {
        if ("PONG".equals(jedis.ping())) {
          return true;
        }
      } catch (JedisException notYet) {
        sleep(20);
      }
    } while (System.nanoTime() - deadline < 0);
    return false;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  static double min(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  static double max(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  /** {@code --name value} options; unknown names are an error that lists the known ones. */
  static final class Options {
    private final java.util.Map<String, String> values = new java.util.LinkedHashMap<>();

    Options(String[] args, String... known) {
      List<String> names = Arrays.asList(known);
      for (int i = 0; i < args.length; i++) {
        String name = args[i];
        if (!name.startsWith("--") || !names.contains(name.substring(2)) || i + 1 >= args.length) {
          throw new IllegalArgumentException("bad option '" + name + "'; known, each with a value: "
              + String.join(", ", names));
        }
        values.put(name.substring(2), args[++i]);
      }
    }

    String get(String name, String fallback) {
      return values.getOrDefault(name, fallback);
    }

    String require(String name) {
      String value = values.get(name);
      if (value == null) {
        throw new IllegalArgumentException("--" + name + " is required");
      }
      return value;
    }

    int getInt(String name, int fallback) {
      return Integer.parseInt(get(name, Integer.toString(fallback)));
    }

    double getDouble(String name, double fallback) {
      return Double.parseDouble(get(name, Double.toString(fallback)));
    }
  }
}
