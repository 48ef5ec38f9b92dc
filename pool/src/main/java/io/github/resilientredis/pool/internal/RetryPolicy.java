package io.github.resilientredis.pool.internal;

import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandFlagsRegistry.CommandFlag;
import redis.clients.jedis.StaticCommandFlagsRegistry;
import redis.clients.jedis.args.Rawable;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Decides whether a command that failed on a transport error may be sent again on another
 * connection without any risk of running it twice.
 *
 * <p>Safe: the request never left completely (Redis runs a command only once it has read all of
 * it); or the command only reads; or running it twice leaves the same data and gives the same reply
 * (SET without NX/XX/GET, MSET, ...). Never: a read timeout (the server may still be running it, and
 * waiting again would double the caller's wait), blocking commands, and every other write: INCR,
 * LPUSH, XADD, EVAL and the like fail to the caller instead of being doubled.
 */
public final class RetryPolicy {

  private static final Set<String> IDEMPOTENT_WRITES = Set.of(
      "SET", "SETEX", "PSETEX", "MSET", "HMSET", "LSET", "EXPIREAT", "PEXPIREAT", "PING", "ECHO");
  /** SET options that make the reply, or the effect, depend on what was there before. */
  private static final Set<String> CONDITIONAL_SET_OPTIONS = Set.of("NX", "XX", "GET", "IFEQ",
      "IFNE", "IFDEQ", "IFDNE");

  private RetryPolicy() {}

  /**
   * Redis answers -LOADING while it reads its dataset after a restart: it ran nothing, so any
   * command may be sent again. Callers wait, with back-off, up to the borrow timeout.
   */
  public static boolean isLoading(Object reply) {
    if (!(reply instanceof JedisDataException error)) {
      return false;
    }
    String message = error.getMessage();
    return message != null && message.startsWith("LOADING");
  }

  /** A raw reply that is a -READONLY error. */
  public static boolean isReadOnlyReply(Object reply) {
    return reply instanceof JedisDataException error && isReadOnly(error);
  }

  /** A -READONLY error: the server is a replica (perhaps a demoted master) and ran nothing. */
  static boolean isReadOnly(JedisDataException error) {
    String message = error.getMessage();
    return message != null && message.startsWith("READONLY");
  }

  /** {@link #isSafeToRetry} for a raw command that may have reached the server. */
  public static boolean isSafeToResend(JedisConnectionException failure,
      byte[]... commandAndArguments) {
    return isSafeToRetry(RawCommand.arguments(commandAndArguments), true, failure);
  }

  static boolean isSafeToRetry(CommandArguments arguments, boolean requestMayHaveReachedServer,
      JedisConnectionException failure) {
    if (isTimeout(failure)) {
      return false;
    }
    if (!requestMayHaveReachedServer) {
      return true;
    }
    if (arguments.isBlocking()) {
      return false;
    }
    String name = commandName(arguments);
    EnumSet<CommandFlag> flags = flags(arguments);
    if (flags.contains(CommandFlag.BLOCKING) || flags.contains(CommandFlag.PUBSUB)) {
      return false;
    }
    if (isReadOnly(flags)) {
      return !name.startsWith("EVAL") && !name.startsWith("FCALL") || name.endsWith("_RO");
    }
    return IDEMPOTENT_WRITES.contains(name) && !(name.equals("SET") && hasConditionalOption(arguments));
  }

  /**
   * Whether Redis flags a command read-only (and not a write). The flags depend only on the name
   * and, for a container command (OBJECT ENCODING, CONFIG SET), on its first argument: only those
   * two are looked at, so a command with many arguments costs no more than one without.
   */
  public static boolean isReadOnly(byte[]... commandAndArguments) {
    byte[][] nameAndSubcommand = commandAndArguments.length > 2
        ? Arrays.copyOf(commandAndArguments, 2) : commandAndArguments;
    return isReadOnly(flags(RawCommand.arguments(nameAndSubcommand)));
  }

  private static boolean isReadOnly(EnumSet<CommandFlag> flags) {
    return flags.contains(CommandFlag.READONLY) && !flags.contains(CommandFlag.WRITE);
  }

  private static EnumSet<CommandFlag> flags(CommandArguments arguments) {
    return StaticCommandFlagsRegistry.registry().getFlags(arguments);
  }

  /** A read timeout anywhere in the chain of causes: Redis did not answer in time. */
  public static boolean isTimeout(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  static String commandName(CommandArguments arguments) {
    return new String(arguments.getCommand().getRaw(), StandardCharsets.US_ASCII)
        .toUpperCase(Locale.ROOT);
  }

  private static boolean hasConditionalOption(CommandArguments arguments) {
    boolean first = true;
    for (Rawable argument : arguments) {
      if (first) {
        first = false; // the command name itself
        continue;
      }
      byte[] raw = argument.getRaw();
      if (raw.length <= 5 && CONDITIONAL_SET_OPTIONS.contains(
          new String(raw, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }
}
