package io.github.resilientredis.bridge;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns what arrives over HTTP into {@link Command}s: a command in a URL path (Webdis, and Upstash's
 * path style) or a JSON array (Upstash). Binary-safe: path arguments are percent-decoded straight to
 * bytes, a request body is taken as raw bytes.
 */
final class Requests {

  /** How a path-style reply is written: Webdis's {@code .json}, {@code .raw} or {@code .txt}. */
  enum Format { JSON, RAW, TXT }

  /** A command parsed from a path, with its database prefix (-1 when none) and reply format. */
  record PathCommand(Command command, int db, Format format) {}

  private static final byte[][] NO_ARGS = new byte[0][];

  private Requests() {}

  /**
   * Parses {@code [/<db>]/COMMAND/arg/arg[.json|.raw|.txt]} (the extension only when
   * {@code extensions}). Arguments are split on '/' in the raw
   * path and then decoded, so {@code %2F} is a slash inside an argument; {@code +} is a space as in
   * Webdis ({@code %2B} is a plus). {@code extra} (the query pairs, then the body) follow the path's
   * arguments.
   */
  static PathCommand parsePath(String raw, List<byte[]> extra, int maxArgs, boolean extensions) {
    int start = raw.startsWith("/") ? 1 : 0;
    int end = raw.length();
    Format format = Format.JSON;
    int dot = extensions ? raw.lastIndexOf('.') : -1;
    if (dot > raw.lastIndexOf('/') && dot >= start) {
      Format f = extension(raw, dot + 1);
      if (f != null) {
        format = f;
        end = dot;
      }
    }
    int segments = 1;
    for (int i = start; i < end; i++) {
      if (raw.charAt(i) == '/') {
        segments++;
      }
    }
    int db = -1;
    int firstSlash = raw.indexOf('/', start);
    if (firstSlash >= 0 && firstSlash < end && allDigits(raw, start, firstSlash)) {
      db = parseDb(raw, start, firstSlash);
      start = firstSlash + 1;
      segments--;
    }
    if (start >= end || raw.charAt(start) == '/') {
      throw BridgeException.badRequest("no command: use /COMMAND/arg/... (for example /GET/key)"
          + " or POST / with a JSON array such as [\"GET\",\"key\"]");
    }
    int total = segments + extra.size();
    if (total > maxArgs) {
      throw tooManyArgs(total, maxArgs);
    }
    byte[][] args = new byte[total][];
    int n = 0;
    int from = start;
    for (int i = start; i <= end; i++) {
      if (i == end || raw.charAt(i) == '/') {
        args[n++] = decode(raw, from, i);
        from = i + 1;
      }
    }
    for (byte[] e : extra) {
      args[n++] = e;
    }
    return new PathCommand(new Command(args), db, format);
  }

  /**
   * The command of a request to {@code /}: Webdis's {@code POST /} with {@code COMMAND/arg/arg} as
   * the body, parsed as a path. Any other request to {@code /} names no command.
   */
  static PathCommand parseBodyPath(String method, byte[] body, int maxArgs, boolean extensions) {
    if (!method.equals("POST") || body.length == 0) {
      throw BridgeException.badRequest("ERR no command: use /COMMAND/arg/... (for example"
          + " GET /GET/key), or POST / with a JSON array such as [\"GET\",\"key\"]");
    }
    return parsePath(new String(body, StandardCharsets.ISO_8859_1), List.of(), maxArgs, extensions);
  }

  /** Upstash path style: query pairs {@code ?EX=100&NX} become arguments; {@code _token} does not. */
  static void queryArgs(String rawQuery, List<byte[]> out) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return;
    }
    int from = 0;
    int n = rawQuery.length();
    for (int i = 0; i <= n; i++) {
      if (i == n || rawQuery.charAt(i) == '&') {
        if (i > from) {
          int eq = rawQuery.indexOf('=', from);
          if (eq < 0 || eq > i) {
            if (!rawQuery.startsWith("_token", from) || i - from != 6) {
              out.add(decode(rawQuery, from, i));
            }
          } else if (!(eq - from == 6 && rawQuery.startsWith("_token", from))) {
            out.add(decode(rawQuery, from, eq));
            out.add(decode(rawQuery, eq + 1, i));
          }
        }
        from = i + 1;
      }
    }
  }

  /** The decoded value of query parameter {@code name}, or null. */
  static String queryParam(String rawQuery, String name) {
    if (rawQuery == null) {
      return null;
    }
    int from = 0;
    int n = rawQuery.length();
    for (int i = 0; i <= n; i++) {
      if (i == n || rawQuery.charAt(i) == '&') {
        int eq = rawQuery.indexOf('=', from);
        if (eq >= 0 && eq < i && eq - from == name.length() && rawQuery.startsWith(name, from)) {
          return new String(decode(rawQuery, eq + 1, i), StandardCharsets.UTF_8);
        }
        from = i + 1;
      }
    }
    return null;
  }

  /** Percent-decodes {@code raw[from, to)} to bytes; a '%' not followed by two hex digits stays. */
  static byte[] decode(String raw, int from, int to) {
    boolean plain = true;
    for (int i = from; i < to; i++) {
      char c = raw.charAt(i);
      if (c == '%' || c == '+' || c >= 0x80) {
        plain = false;
        break;
      }
    }
    byte[] out = new byte[plain ? to - from : (to - from) * 3];
    int n = 0;
    for (int i = from; i < to; i++) {
      char c = raw.charAt(i);
      if (c == '%' && i + 2 < to && hex(raw.charAt(i + 1)) >= 0 && hex(raw.charAt(i + 2)) >= 0) {
        out[n++] = (byte) ((hex(raw.charAt(i + 1)) << 4) | hex(raw.charAt(i + 2)));
        i += 2;
      } else if (c == '+') {
        out[n++] = ' ';
      } else if (c < 0x100) {
        // The JDK reads the request line as ISO-8859-1: a char below 0x100 is the byte sent.
        out[n++] = (byte) c;
      } else {
        byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(utf8, 0, out, n, utf8.length);
        n += utf8.length;
      }
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  /** An Upstash command: a JSON array of strings, numbers or booleans, the name first. */
  static Command parseJsonCommand(byte[] body, int maxArgs) {
    try (JsonReader reader = reader(body)) {
      Command command = readCommand(reader, maxArgs, -1);
      requireEnd(reader);
      return command;
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw notJson(e, "a JSON array such as [\"SET\",\"key\",\"value\"]");
    }
  }

  /** An Upstash pipeline or transaction: a JSON array of command arrays. */
  static List<Command> parseJsonCommands(byte[] body, int maxArgs, int maxCommands) {
    try (JsonReader reader = reader(body)) {
      if (reader.peek() != JsonToken.BEGIN_ARRAY) {
        throw BridgeException.badRequest("ERR the body must be a JSON array of commands, such as"
            + " [[\"SET\",\"k\",\"v\"],[\"GET\",\"k\"]]");
      }
      reader.beginArray();
      List<Command> commands = new ArrayList<>();
      while (reader.hasNext()) {
        if (commands.size() == maxCommands) {
          throw BridgeException.tooLarge("ERR too many commands in one request: more than "
              + maxCommands + " (max-pipeline)");
        }
        commands.add(readCommand(reader, maxArgs, commands.size()));
      }
      reader.endArray();
      requireEnd(reader);
      if (commands.isEmpty()) {
        throw BridgeException.badRequest("ERR the request holds no command");
      }
      return commands;
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw notJson(e, "a JSON array of commands, such as [[\"SET\",\"k\",\"v\"],[\"GET\",\"k\"]]");
    }
  }

  private static Command readCommand(JsonReader reader, int maxArgs, int index) throws IOException {
    String where = index < 0 ? "" : " (command " + index + ")";
    if (reader.peek() != JsonToken.BEGIN_ARRAY) {
      throw BridgeException.badRequest("ERR a command must be a JSON array of strings" + where
          + ", such as [\"GET\",\"key\"]");
    }
    reader.beginArray();
    List<byte[]> args = new ArrayList<>(8);
    while (reader.hasNext()) {
      if (args.size() == maxArgs) {
        throw tooManyArgs(maxArgs + 1, maxArgs);
      }
      JsonToken token = reader.peek();
      switch (token) {
        case STRING -> args.add(reader.nextString().getBytes(StandardCharsets.UTF_8));
        // The number exactly as written: 100 stays "100", 1.5 stays "1.5".
        case NUMBER -> args.add(reader.nextString().getBytes(StandardCharsets.US_ASCII));
        case BOOLEAN -> args.add(reader.nextBoolean() ? TRUE : FALSE);
        default -> throw BridgeException.badRequest("ERR argument " + args.size() + where
            + " is " + describe(token) + "; arguments must be strings, numbers or booleans");
      }
    }
    reader.endArray();
    if (args.isEmpty()) {
      throw BridgeException.badRequest("ERR empty command" + where);
    }
    if (args.get(0).length == 0) {
      throw BridgeException.badRequest("ERR empty command name" + where);
    }
    return new Command(args.toArray(NO_ARGS));
  }

  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};

  private static JsonReader reader(byte[] body) {
    // A decoder that reports malformed input: a body that is not UTF-8 is refused, not mangled.
    JsonReader reader = new JsonReader(new InputStreamReader(new ByteArrayInputStream(body),
        StandardCharsets.UTF_8.newDecoder()));
    reader.setStrictness(Strictness.STRICT);
    return reader;
  }

  private static void requireEnd(JsonReader reader) throws IOException {
    if (reader.peek() != JsonToken.END_DOCUMENT) {
      throw BridgeException.badRequest("ERR unexpected data after the JSON array");
    }
  }

  private static BridgeException notJson(Exception e, String expected) {
    if (e instanceof CharacterCodingException) {
      return BridgeException.badRequest("ERR the request body is not valid UTF-8 JSON");
    }
    String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int cut = detail.indexOf("\nSee ");
    if (cut > 0) {
      detail = detail.substring(0, cut);
    }
    return BridgeException.badRequest("ERR the request body is not " + expected + ": " + detail);
  }

  private static String describe(JsonToken token) {
    return switch (token) {
      case NULL -> "null";
      case BEGIN_ARRAY -> "an array";
      case BEGIN_OBJECT -> "an object";
      default -> token.name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  static BridgeException tooManyArgs(int count, int max) {
    return BridgeException.tooLarge("ERR too many arguments: " + count + " (max-args is " + max
        + ")");
  }

  private static Format extension(String raw, int from) {
    int length = raw.length() - from;
    if (length == 4 && raw.startsWith("json", from)) {
      return Format.JSON;
    }
    if (length == 3 && raw.startsWith("raw", from)) {
      return Format.RAW;
    }
    if (length == 3 && raw.startsWith("txt", from)) {
      return Format.TXT;
    }
    return null;
  }

  private static boolean allDigits(String s, int from, int to) {
    if (from >= to) {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static int parseDb(String s, int from, int to) {
    if (to - from > 9) {
      throw BridgeException.badRequest("ERR DB index is out of range: " + s.substring(from, to));
    }
    return Integer.parseInt(s, from, to, 10);
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
