package io.github.resilientredis.pool.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.pool.RedisPool;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

class RetryPolicyTest {

  private static final JedisConnectionException EOF =
      new JedisConnectionException("Unexpected end of stream.");
  private static final JedisConnectionException TIMEOUT =
      new JedisConnectionException(new SocketTimeoutException("Read timed out"));

  @Test
  void anythingIsSafeWhenTheRequestNeverLeftCompletely() {
    assertTrue(RetryPolicy.isSafeToRetry(command("INCR", "n"), false, EOF));
    assertTrue(RetryPolicy.isSafeToRetry(command("LPUSH", "l", "x"), false, EOF));
  }

  @Test
  void readsAreRetriedAfterTheRequestWasSent() {
    assertTrue(RetryPolicy.isSafeToRetry(command("GET", "k"), true, EOF));
    assertTrue(RetryPolicy.isSafeToRetry(command("hgetall", "h"), true, EOF));
    assertTrue(RetryPolicy.isSafeToRetry(command("ZRANGE", "z", "0", "-1"), true, EOF));
    assertTrue(RetryPolicy.isSafeToRetry(command("EVAL_RO", "return 1", "0"), true, EOF));
  }

  @Test
  void writesThatWouldBeDoubledAreNeverRetried() {
    for (String name : new String[] {"INCR", "INCRBY", "DECR", "LPUSH", "RPUSH", "LPOP", "APPEND",
        "XADD", "HINCRBY", "SETNX", "EVAL", "EVALSHA", "DEL", "HSET", "SADD", "ZADD", "GETSET"}) {
      assertFalse(RetryPolicy.isSafeToRetry(command(name, "k", "v"), true, EOF), name);
    }
  }

  @Test
  void plainSetIsIdempotentButConditionalSetIsNot() {
    assertTrue(RetryPolicy.isSafeToRetry(command("SET", "k", "v"), true, EOF));
    assertTrue(RetryPolicy.isSafeToRetry(command("SET", "k", "v", "EX", "10"), true, EOF));
    assertFalse(RetryPolicy.isSafeToRetry(command("SET", "k", "v", "NX"), true, EOF));
    assertFalse(RetryPolicy.isSafeToRetry(command("set", "k", "v", "get"), true, EOF));
  }

  @Test
  void blockingCommandsAndReadTimeoutsAreNeverRetried() {
    assertFalse(RetryPolicy.isSafeToRetry(command("BLPOP", "l", "1"), true, EOF));
    assertFalse(RetryPolicy.isSafeToRetry(command("GET", "k"), true, TIMEOUT));
    assertFalse(RetryPolicy.isSafeToRetry(command("GET", "k"), false, TIMEOUT));
  }

  @Test
  void thePublicRuleForPipelinesIsTheSameAsForCall() {
    assertTrue(RedisPool.isSafeToResend(EOF, bytes("get", "k")));
    assertTrue(RedisPool.isSafeToResend(EOF, bytes("SET", "k", "v")));
    assertFalse(RedisPool.isSafeToResend(EOF, bytes("INCR", "n")));
    assertFalse(RedisPool.isSafeToResend(TIMEOUT, bytes("GET", "k")));
  }

  @Test
  void aLoadingReplyRanNothing() {
    assertTrue(RedisPool.isLoadingReply(
        new JedisDataException("LOADING Redis is loading the dataset in memory")));
    assertFalse(RetryPolicy.isLoading(new JedisDataException("ERR unknown command")));
    assertFalse(RetryPolicy.isLoading("LOADING")); // a status or bulk reply, not an error
  }

  @Test
  void readOnlyFollowsRedisFlagsAndASubcommandsOwn() {
    assertTrue(RedisPool.isReadOnlyCommand(bytes("get", "k")));
    assertTrue(RedisPool.isReadOnlyCommand(bytes("MGET", "a", "b", "c", "d")));
    assertTrue(RedisPool.isReadOnlyCommand(bytes("object", "encoding", "k")));
    assertFalse(RedisPool.isReadOnlyCommand(bytes("CONFIG", "SET", "maxmemory", "1")));
    assertFalse(RedisPool.isReadOnlyCommand(bytes("OBJECT")));
    assertFalse(RedisPool.isReadOnlyCommand(bytes("SET", "k", "v")));
    assertFalse(RedisPool.isReadOnlyCommand(bytes("NOSUCHCOMMAND", "x")));
  }

  @Test
  void aReadTimeoutIsFoundAmongTheCauses() {
    assertTrue(RedisPool.isReadTimeout(TIMEOUT));
    assertTrue(RedisPool.isReadTimeout(new JedisConnectionException("lost", TIMEOUT)));
    assertFalse(RedisPool.isReadTimeout(EOF));
  }

  private static byte[][] bytes(String... parts) {
    byte[][] raw = new byte[parts.length][];
    for (int i = 0; i < parts.length; i++) {
      raw[i] = parts[i].getBytes(StandardCharsets.UTF_8);
    }
    return raw;
  }

  private static CommandArguments command(String... parts) {
    return RawCommand.arguments(bytes(parts));
  }
}
