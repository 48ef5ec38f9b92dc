package io.github.resilientredis.bridge;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * What the bridge checks with Redis when it starts.
 *
 * <ul>
 *   <li>The password of every Redis user a token is bound to: a refused one stops the start with a
 *       message naming the user (never the password). A Redis that cannot be reached does not:
 *       the bridge starts and answers 503 until Redis is there, as always; so does a wrong
 *       password in the redis URL (its requests get 503 with Redis's message).</li>
 *   <li>Whether scripts can get round the dangerous list: for each user that runs a token's
 *       requests with EVAL or FCALL allowed, Redis's {@code ACL DRYRUN} (7.0+; {@code ACL GETUSER}
 *       on Redis 6) says whether it may run FLUSHALL or FLUSHDB. If one may, one WARN says how to
 *       bind tokens to a restricted user. When the bridge's own user may not run ACL commands,
 *       the check is skipped with a DEBUG line.</li>
 * </ul>
 */
final class StartupAclCheck {

  private static final Logger LOG = LoggerFactory.getLogger(StartupAclCheck.class);
  private static final List<String> SCRIPT_COMMANDS = List.of("EVAL", "EVALSHA", "FCALL");
  /** Dangerous commands a script may call (the others are flagged noscript by Redis). */
  private static final List<String> SCRIPT_REACHABLE_DANGEROUS = List.of("FLUSHALL", "FLUSHDB");
  /** The ACL categories of FLUSHALL and FLUSHDB, and of EVAL and FCALL (for ACL GETUSER). */
  private static final Set<String> FLUSH_CATEGORIES = Set.of("keyspace", "write", "slow",
      "dangerous");
  private static final Set<String> SCRIPT_CATEGORIES = Set.of("slow", "scripting");

  private StartupAclCheck() {}

  static void run(RedisUsers users, CommandPolicy lists) {
    for (RedisUser user : users.all()) {
      if (user.name != null) {
        checkPassword(user);
      }
    }
    boolean listsAllowScripts = SCRIPT_COMMANDS.stream()
        .anyMatch(name -> lists.listsAllow(Command.of(name, "x", "0")));
    List<RedisUser> scripting = new ArrayList<>();
    for (Access access : users.serving()) {
      // a read-only token runs scripts only as *_RO, where Redis refuses every write
      if (listsAllowScripts && !access.readOnly && !scripting.contains(access.user)) {
        scripting.add(access.user);
      }
    }
    if (!scripting.isEmpty()) {
      warnWhenScriptsCanRunDangerousCommands(users.own(), scripting);
    }
  }

  private static void checkPassword(RedisUser user) {
    try {
      user.pool.call(bytes("PING"));
    } catch (JedisConnectionException e) {
      String refused = passwordRefusal(e);
      if (refused == null) {
        LOG.debug("could not check the password of {} at startup: {}", user.describe(),
            e.toString());
        return;
      }
      throw new IllegalArgumentException("Redis refused the password of Redis user '" + user.name
          + "', which a token is bound to (" + refused + "): check that token's USER:PASSWORD"
          + " (--token or --tokens-file) and the user's ACL (ACL GETUSER " + user.name + ")");
    }
  }

  /** Redis's WRONGPASS (or NOAUTH) text anywhere in the failure's causes, or null. */
  private static String passwordRefusal(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && (m.contains("WRONGPASS") || m.contains("NOAUTH")
          || m.contains("invalid password"))) {
        int at = Math.max(m.indexOf("WRONGPASS"), m.indexOf("NOAUTH"));
        return at >= 0 ? m.substring(at) : m;
      }
    }
    return null;
  }

  private static void warnWhenScriptsCanRunDangerousCommands(RedisUser own,
      List<RedisUser> scripting) {
    Set<String> findings = new LinkedHashSet<>();
    for (RedisUser user : scripting) {
      String name;
      List<String> dangerous;
      try {
        name = user.name != null ? user.name : whoAmI(own);
        dangerous = scriptReachableDangerous(own, name);
      } catch (AclUnavailable | JedisConnectionException e) {
        LOG.debug("skipped the startup check of what scripts may run: {}", e.getMessage());
        return;
      }
      if (!dangerous.isEmpty()) {
        findings.add((user.name == null ? "the bridge's own Redis user '" + name + "'"
            : "Redis user '" + name + "'") + " may run " + String.join(", ", dangerous));
      }
    }
    if (!findings.isEmpty()) {
      LOG.warn("scripts can run dangerous commands: {}, and EVAL and FCALL run with the"
          + " permissions of their Redis user, while the bridge's dangerous list sees only the"
          + " command a request names. Bind tokens to a restricted Redis user"
          + " (--token TOKEN=USER:PASSWORD; README, section Security, has an ACL SETUSER line),"
          + " or --deny EVAL,EVALSHA,FCALL", String.join("; ", findings));
    }
  }

  private static String whoAmI(RedisUser own) {
    Object reply = aclReply(own, "ACL", "WHOAMI");
    return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
  }

  /** FLUSHALL, FLUSHDB: those {@code user} may run, when it may run scripts at all. */
  private static List<String> scriptReachableDangerous(RedisUser own, String user) {
    List<String> out = new ArrayList<>();
    Object eval = own.pool.call(bytes("ACL", "DRYRUN", user, "EVAL", "return 1", "0"));
    if (eval instanceof JedisDataException e && e.getMessage() != null
        && e.getMessage().toLowerCase(Locale.ROOT).contains("unknown subcommand")) {
      return fromGetUser(own, user); // Redis 6: no DRYRUN
    }
    if (eval instanceof JedisDataException e) {
      throw new AclUnavailable("ACL DRYRUN was refused: " + e.getMessage());
    }
    boolean scripts = isOk(eval) || isOk(aclReply(own, "ACL", "DRYRUN", user, "FCALL", "f", "0"));
    if (!scripts) {
      return out;
    }
    for (String command : SCRIPT_REACHABLE_DANGEROUS) {
      if (isOk(aclReply(own, "ACL", "DRYRUN", user, command))) {
        out.add(command);
      }
    }
    return out;
  }

  private static List<String> fromGetUser(RedisUser own, String user) {
    Object reply = aclReply(own, "ACL", "GETUSER", user);
    String rules = null;
    if (reply instanceof List<?> fields) {
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        if ("commands".equals(text(fields.get(i)))) {
          rules = text(fields.get(i + 1));
        }
      }
    }
    if (rules == null) {
      throw new AclUnavailable("ACL GETUSER " + user + " gave no command rules");
    }
    List<String> out = new ArrayList<>();
    if (!allows(rules, "eval", SCRIPT_CATEGORIES)) {
      return out;
    }
    for (String command : SCRIPT_REACHABLE_DANGEROUS) {
      if (allows(rules, command.toLowerCase(Locale.ROOT), FLUSH_CATEGORIES)) {
        out.add(command);
      }
    }
    return out;
  }

  /**
   * Whether ACL command rules as {@code ACL GETUSER} lists them ({@code +@all -flushall}) let
   * {@code command} (lower case) of those categories run: the last matching rule wins.
   */
  static boolean allows(String rules, String command, Set<String> categories) {
    boolean allowed = false;
    for (String rule : rules.strip().split("\\s+")) {
      if (rule.length() < 2) {
        continue;
      }
      String target = rule.substring(1).toLowerCase(Locale.ROOT);
      boolean plus = rule.charAt(0) == '+';
      if (rule.equals("allcommands") || rule.equals("nocommands")) {
        allowed = rule.equals("allcommands");
      } else if ((rule.charAt(0) == '+' || rule.charAt(0) == '-') && (target.equals("@all")
          || target.equals(command)
          || target.startsWith("@") && categories.contains(target.substring(1)))) {
        allowed = plus;
      }
    }
    return allowed;
  }

  /** The reply of an ACL command; throws {@link AclUnavailable} when Redis refuses it. */
  private static Object aclReply(RedisUser own, String... command) {
    Object reply = own.pool.call(bytes(command));
    if (reply instanceof JedisDataException e) {
      throw new AclUnavailable(String.join(" ", command[0], command[1]) + " was refused: "
          + e.getMessage());
    }
    return reply;
  }

  private static boolean isOk(Object reply) {
    return "OK".equals(text(reply));
  }

  private static String text(Object reply) {
    if (reply instanceof byte[] b) {
      return new String(b, StandardCharsets.UTF_8);
    }
    return reply instanceof String s ? s : null;
  }

  private static byte[][] bytes(String... words) {
    byte[][] out = new byte[words.length][];
    for (int i = 0; i < words.length; i++) {
      out[i] = words[i].getBytes(StandardCharsets.UTF_8);
    }
    return out;
  }

  /** Redis refused an ACL command (the bridge's user lacks the permission) or knows none. */
  private static final class AclUnavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AclUnavailable(String message) {
      super(message, null, false, false);
    }
  }
}
