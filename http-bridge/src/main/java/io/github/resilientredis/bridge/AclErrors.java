package io.github.resilientredis.bridge;

import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Recognises Redis's ACL refusals among its error replies, so the bridge answers them with 403.
 * Redis says {@code NOPERM ...} for a command the user may not run, and for a command a script or
 * function runs it says {@code ERR The user executing the script can't ...} (Redis 7.0) or
 * {@code ERR ACL failure in script: ...} (7.2 and later): those two are given the NOPERM code in
 * place of ERR, so a client sees one code for one cause. The rest of Redis's text is unchanged.
 */
final class AclErrors {

  private static final String NOPERM = "NOPERM";
  private static final String[] SCRIPT_REFUSALS = {
      "ERR The user executing the script can't", "ERR ACL failure in script"};

  private AclErrors() {}

  /** Redis's refusal as {@code NOPERM <text>}, or null when {@code reply} is no ACL refusal. */
  static String noPermMessage(Object reply) {
    if (!(reply instanceof JedisDataException error) || error.getMessage() == null) {
      return null;
    }
    String message = error.getMessage();
    if (message.startsWith(NOPERM)) {
      return message;
    }
    for (String prefix : SCRIPT_REFUSALS) {
      if (message.startsWith(prefix)) {
        return NOPERM + message.substring(3); // "ERR" -> "NOPERM", the text as Redis wrote it
      }
    }
    return null;
  }
}
