package io.github.resilientredis.pool.internal;

import java.util.Arrays;
import java.util.Locale;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.commands.ProtocolCommand;

/** A command named by raw bytes, as the HTTP bridge and {@code RedisPool.call} receive it. */
final class RawCommand implements ProtocolCommand {

  private final byte[] name;

  private RawCommand(byte[] name) {
    this.name = name;
  }

  static CommandArguments arguments(byte[]... commandAndArguments) {
    byte[] upper = new String(commandAndArguments[0], java.nio.charset.StandardCharsets.US_ASCII)
        .toUpperCase(Locale.ROOT).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    CommandArguments arguments = new CommandArguments(new RawCommand(upper));
    for (int i = 1; i < commandAndArguments.length; i++) {
      arguments.add(commandAndArguments[i]);
    }
    return arguments;
  }

  @Override
  public byte[] getRaw() {
    return name;
  }

  @Override
  public String toString() {
    return new String(name, java.nio.charset.StandardCharsets.US_ASCII);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RawCommand other && Arrays.equals(name, other.name);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(name);
  }
}
