package io.github.resilientredis.bridge;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Blocking commands hold a pooled connection while they wait, so their wait is bounded: a timeout
 * of 0 (forever) or above {@code max-block} is rewritten to {@code max-block}. A client that wants
 * to wait longer calls again, as with any long poll. Inside MULTI nothing blocks, so transactions
 * are left alone.
 */
final class BlockingCommands {

  /** Where a command keeps its timeout. */
  private enum Timeout { LAST_SECONDS, SECOND_SECONDS, BLOCK_OPTION_MILLIS, MILLIS_AT }

  private final long capMillis;
  private final byte[] capSeconds;
  private final byte[] capMillisText;

  BlockingCommands(Duration maxBlock) {
    this.capMillis = maxBlock.toMillis();
    long whole = capMillis / 1000;
    long frac = capMillis % 1000;
    String seconds = frac == 0 ? Long.toString(whole)
        : whole + "." + String.format(java.util.Locale.ROOT, "%03d", frac);
    this.capSeconds = seconds.getBytes(StandardCharsets.US_ASCII);
    this.capMillisText = Long.toString(capMillis).getBytes(StandardCharsets.US_ASCII);
  }

  /** Whether {@code command} may block (XREAD only with BLOCK). */
  static boolean isBlocking(Command command) {
    return kind(command) != null && (command.name.charAt(0) != 'X' || blockIndex(command) > 0);
  }

  /**
   * The command with its timeout capped; the command itself when it does not block or its timeout
   * is already within the cap; a timeout that is not a number is left for Redis to refuse.
   */
  Command cap(Command command) {
    Timeout kind = kind(command);
    if (kind == null) {
      return command;
    }
    byte[][] a = command.args;
    switch (kind) {
      case LAST_SECONDS:
        return a.length >= 3 ? capSecondsAt(command, a.length - 1) : command;
      case SECOND_SECONDS:
        return a.length >= 3 ? capSecondsAt(command, 1) : command;
      case BLOCK_OPTION_MILLIS: {
        int at = blockIndex(command);
        return at > 0 ? capMillisAt(command, at) : command;
      }
      default: {
        int at = command.name.equals("WAIT") ? 2 : 3;
        return a.length > at ? capMillisAt(command, at) : command;
      }
    }
  }

  private Command capSecondsAt(Command command, int index) {
    double seconds;
    try {
      seconds = Double.parseDouble(new String(command.args[index], StandardCharsets.US_ASCII));
    } catch (NumberFormatException e) {
      return command;
    }
    if (seconds == 0 || seconds * 1000 > capMillis) {
      return command.withArg(index, capSeconds);
    }
    return command;
  }

  private Command capMillisAt(Command command, int index) {
    long millis;
    try {
      millis = Long.parseLong(new String(command.args[index], StandardCharsets.US_ASCII));
    } catch (NumberFormatException e) {
      return command;
    }
    if (millis == 0 || millis > capMillis) {
      return command.withArg(index, capMillisText);
    }
    return command;
  }

  private static Timeout kind(Command command) {
    return switch (command.name) {
      case "BLPOP", "BRPOP", "BZPOPMIN", "BZPOPMAX", "BRPOPLPUSH", "BLMOVE" -> Timeout.LAST_SECONDS;
      case "BLMPOP", "BZMPOP" -> Timeout.SECOND_SECONDS;
      case "XREAD", "XREADGROUP" -> Timeout.BLOCK_OPTION_MILLIS;
      case "WAIT", "WAITAOF" -> Timeout.MILLIS_AT;
      default -> null;
    };
  }

  /** The index of XREAD's / XREADGROUP's BLOCK value, or -1. */
  private static int blockIndex(Command command) {
    byte[][] a = command.args;
    int i = 1;
    while (i < a.length) {
      String word = Command.upperAscii(a[i]);
      switch (word) {
        case "STREAMS":
          return -1;
        case "BLOCK":
          return i + 1 < a.length ? i + 1 : -1;
        case "GROUP":
          i += 3;
          break;
        case "COUNT":
        case "CLAIM":
          i += 2;
          break;
        default:
          i++;
      }
    }
    return -1;
  }
}
