package io.github.resilientredis.bridge;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One bearer token and what its requests may do: the Redis user they run as (null: the bridge's
 * own, from the redis URL) and whether it is read-only. Written as
 * <pre>
 *   TOKEN                          the bridge's own Redis user, every command the lists allow
 *   TOKEN=ro                       the same, read-only
 *   TOKEN=USER:PASSWORD            runs as Redis ACL user USER
 *   TOKEN=USER:PASSWORD:ro         the same, read-only
 * </pre>
 * The token ends at its first {@code =} that is not followed by another one, so base64 padding
 * stays part of the token ({@code abc===USER:PW} is token {@code abc==}). The user ends at the
 * first colon; the password is the rest, less a final {@code :ro} or {@code :rw} (write
 * {@code :rw} after a password that itself ends in {@code :ro}). Never shows a password or a token.
 */
record TokenSpec(String token, String user, String password, boolean readOnly) {

  TokenSpec {
    if ((user == null) != (password == null)) {
      throw new IllegalArgumentException("a token's user and password come together");
    }
  }

  /** Parses one entry; {@code where} names it in messages ("token 2", "tokens-file f line 3"). */
  static TokenSpec parse(String entry, String where) {
    if (entry == null || entry.isBlank()) {
      throw new IllegalArgumentException(where + " must not be empty");
    }
    String e = entry.strip();
    String token = e;
    String binding = null;
    int eq = e.indexOf('=');
    if (eq >= 0) {
      int afterRun = eq;
      while (afterRun < e.length() && e.charAt(afterRun) == '=') {
        afterRun++;
      }
      if (afterRun < e.length()) {
        token = e.substring(0, afterRun - 1);
        binding = e.substring(afterRun);
      }
    }
    if (token.isEmpty() || token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      throw new IllegalArgumentException(where + ": the token must be printable ASCII without"
          + " spaces (it travels in an HTTP header)");
    }
    if (binding == null) {
      return new TokenSpec(token, null, null, false);
    }
    if (binding.equals("ro") || binding.equals("rw")) {
      return new TokenSpec(token, null, null, binding.equals("ro"));
    }
    int colon = binding.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(where + ": after '=' comes USER:PASSWORD, USER:PASSWORD:ro"
          + " or ro (TOKEN=USER:PASSWORD binds the token to a Redis ACL user)");
    }
    String user = binding.substring(0, colon);
    String password = binding.substring(colon + 1);
    boolean readOnly = false;
    if (password.endsWith(":ro") || password.endsWith(":rw")) {
      readOnly = password.endsWith(":ro");
      password = password.substring(0, password.length() - 3);
    }
    if (password.isEmpty()) {
      throw new IllegalArgumentException(where + ": the password of Redis user '" + user + "' is"
          + " empty (a user with nopass accepts any password: write one)");
    }
    return new TokenSpec(token, user, password, readOnly);
  }

  /**
   * The entries of a tokens file: one per line, the same syntax as {@code --token}; blank lines
   * and lines starting with {@code #} are skipped. Commas are part of the entry here, so a password
   * may hold them.
   */
  static List<TokenSpec> readFile(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (MalformedInputException e) {
      throw new IllegalArgumentException("tokens-file " + file + " is not UTF-8 text", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("tokens-file cannot be read: " + file + " ("
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
          + ")", e);
    }
    List<TokenSpec> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (!line.isEmpty() && !line.startsWith("#")) {
        out.add(parse(line, "tokens-file " + file + " line " + (i + 1)));
      }
    }
    return out;
  }

  /** For log lines and messages: the user and the mode, never the token or the password. */
  String describe() {
    return (user == null ? "the bridge's own Redis user" : "Redis user '" + user + "'")
        + (readOnly ? ", read-only" : "");
  }

  @Override
  public String toString() {
    return "TokenSpec[" + describe() + "]";
  }
}
