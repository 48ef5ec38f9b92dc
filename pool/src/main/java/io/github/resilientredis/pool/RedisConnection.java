package io.github.resilientredis.pool;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * One connection lent for the duration of a {@link ConnectionCallback}: several commands, a
 * transaction or a pipeline on the same socket. It goes back to the pool when the callback returns;
 * keep no reference to it after that.
 *
 * <p>Raw replies (from {@link #call} and {@link #receive}) keep every distinction Redis makes:
 * a bulk string is {@code byte[]}, a simple (status) string such as {@code OK} is a {@link String},
 * an integer is a {@link Long}, an array is a {@code List<Object>}, nil is {@code null}, and an
 * error reply is <em>returned</em> as a {@link JedisDataException} so that pipelined replies keep
 * their order. RESP3 connections may also return {@code Double}, {@code Boolean} and
 * {@code Map<Object, Object>}.
 */
public interface RedisConnection {

  /**
   * The full Jedis command API on this connection ({@code multi()}, {@code pipelined()},
   * {@code watch()} included). Closing it does not close the connection.
   */
  Jedis jedis();

  /** Sends one command and reads its raw reply. */
  Object call(byte[]... commandAndArguments);

  /** Sends one command without waiting for its reply (pipelining). */
  void send(byte[]... commandAndArguments);

  /** Reads the raw reply to the oldest command sent with {@link #send} and not yet received. */
  Object receive();
}
