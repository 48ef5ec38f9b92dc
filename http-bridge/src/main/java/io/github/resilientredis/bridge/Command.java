package io.github.resilientredis.bridge;

import java.nio.charset.StandardCharsets;

/**
 * One Redis command as it goes on the wire, with its name upper-cased once for the checks that
 * follow (ACL, blocking, connection state).
 */
final class Command {

  final byte[][] args;
  /** The command name in ASCII upper case. */
  final String name;

  Command(byte[][] args) {
    if (args.length == 0) {
      throw new IllegalArgumentException("a command needs a name");
    }
    this.args = args;
    this.name = upperAscii(args[0]);
  }

  /** The argument after the name in ASCII upper case, or null when there is none. */
  String subcommand() {
    return args.length > 1 ? upperAscii(args[1]) : null;
  }

  /** A copy with argument {@code index} replaced. */
  Command withArg(int index, byte[] value) {
    byte[][] copy = args.clone();
    copy[index] = value;
    return new Command(copy);
  }

  static Command of(String... words) {
    byte[][] args = new byte[words.length][];
    for (int i = 0; i < words.length; i++) {
      args[i] = words[i].getBytes(StandardCharsets.UTF_8);
    }
    return new Command(args);
  }

  static String upperAscii(byte[] bytes) {
    boolean lower = false;
    for (byte b : bytes) {
      if (b >= 'a' && b <= 'z') {
        lower = true;
        break;
      }
    }
    if (!lower) {
      return new String(bytes, StandardCharsets.ISO_8859_1);
    }
    byte[] upper = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      byte b = bytes[i];
      upper[i] = b >= 'a' && b <= 'z' ? (byte) (b - 32) : b;
    }
    return new String(upper, StandardCharsets.ISO_8859_1);
  }

  @Override
  public String toString() {
    return name + (args.length > 1 ? " (+" + (args.length - 1) + " args)" : "");
  }
}
