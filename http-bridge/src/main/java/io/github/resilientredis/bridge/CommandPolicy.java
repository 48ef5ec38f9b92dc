package io.github.resilientredis.bridge;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which commands the bridge runs. Checked before anything is sent, for every command of a request,
 * so a refused pipeline runs nothing.
 *
 * <ol>
 *   <li>{@code deny} list: 403.</li>
 *   <li>{@code allow} list, when set: anything not on it is 403.</li>
 *   <li>Dangerous commands ({@link #DANGEROUS}): 403 unless named in {@code allow-dangerous}
 *       (or {@code allow-dangerous all}).</li>
 *   <li>Commands that would change the state of a pooled connection ({@link #CONNECTION_STATE}):
 *       400 always, whatever the lists say; SUBSCRIBE and friends point to {@code /subscribe}.</li>
 *   <li>For a read-only token ({@link #readOnly}): anything Redis does not flag read-only is 403,
 *       so scripts run only as EVAL_RO, EVALSHA_RO and FCALL_RO, where Redis refuses writes.</li>
 * </ol>
 * Entries are a command ({@code CONFIG}, which covers its subcommands) or a command and subcommand
 * ({@code CONFIG|GET}).
 */
final class CommandPolicy {

  /** Refused unless enabled: they destroy data, stop or reconfigure the server, or spy on it. */
  static final Set<String> DANGEROUS = Set.of(
      "FLUSHALL", "FLUSHDB", "SWAPDB", "CONFIG", "DEBUG", "SHUTDOWN", "MONITOR", "SAVE", "BGSAVE",
      "BGREWRITEAOF", "REPLICAOF", "SLAVEOF", "SYNC", "PSYNC", "REPLCONF", "FAILOVER", "CLUSTER",
      "MODULE", "ACL", "MIGRATE", "RESTORE", "RESTORE-ASKING", "CLIENT", "SENTINEL", "PFDEBUG",
      "PFSELFTEST", "SCRIPT|KILL", "SCRIPT|FLUSH", "FUNCTION|KILL", "FUNCTION|FLUSH",
      "FUNCTION|RESTORE", "FUNCTION|LOAD", "FUNCTION|DELETE");

  /**
   * Never sent on a pooled connection, not even when enabled: the next borrower would inherit a
   * selected database, an open transaction, a subscription, another user or protocol, or a stream.
   */
  static final Set<String> CONNECTION_STATE = Set.of(
      "SELECT", "QUIT", "RESET", "AUTH", "HELLO", "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH",
      "READONLY", "READWRITE", "ASKING", "MONITOR", "SYNC", "PSYNC", "REPLCONF",
      "CLIENT|REPLY", "CLIENT|SETNAME", "CLIENT|SETINFO", "CLIENT|TRACKING", "CLIENT|CACHING",
      "CLIENT|NO-EVICT", "CLIENT|NO-TOUCH");

  static final Set<String> SUBSCRIBE = Set.of(
      "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE");

  private final Set<String> allow;
  private final Set<String> deny;
  private final Set<String> allowDangerous;
  private final boolean allowAllDangerous;
  /** Null: every command; else only those it accepts (a read-only token). */
  private final Predicate<Command> readOnly;
  /** Commands that some list names with a subcommand: only these need the "NAME|SUB" lookup. */
  private final Set<String> withSubcommands = new HashSet<>();

  CommandPolicy(Set<String> allow, Set<String> deny, Set<String> allowDangerous,
      boolean allowAllDangerous) {
    this(allow, deny, allowDangerous, allowAllDangerous, null);
  }

  private CommandPolicy(Set<String> allow, Set<String> deny, Set<String> allowDangerous,
      boolean allowAllDangerous, Predicate<Command> readOnly) {
    this.readOnly = readOnly;
    this.allow = Set.copyOf(allow);
    this.deny = Set.copyOf(deny);
    this.allowDangerous = Set.copyOf(allowDangerous);
    this.allowAllDangerous = allowAllDangerous;
    for (Set<String> list : List.of(allow, deny, allowDangerous, DANGEROUS,
        CONNECTION_STATE)) {
      for (String entry : list) {
        int bar = entry.indexOf('|');
        if (bar > 0) {
          withSubcommands.add(entry.substring(0, bar));
        }
      }
    }
  }

  static CommandPolicy from(BridgeConfig config) {
    return new CommandPolicy(config.allow, config.deny, config.allowDangerous,
        config.allowAllDangerous);
  }

  /**
   * The same lists for a read-only token: beyond them only commands {@code isReadOnly} accepts
   * (those Redis flags READONLY) are served.
   */
  CommandPolicy readOnly(Predicate<Command> isReadOnly) {
    return new CommandPolicy(allow, deny, allowDangerous, allowAllDangerous, isReadOnly);
  }

  boolean isReadOnly() {
    return readOnly != null;
  }

  /** Whether the lists let this command through (for the startup check of what scripts may do). */
  boolean listsAllow(Command command) {
    try {
      checkLists(command);
      return true;
    } catch (BridgeException refused) {
      return false;
    }
  }

  /**
   * Throws {@link BridgeException} (403 or 400) when {@code command} must not run; {@code where}
   * names its place in a pipeline for the message ("" for a single command).
   */
  void check(Command command, String where) {
    String name = command.name;
    String sub = subKey(command);
    checkLists(name, sub, where);
    if (SUBSCRIBE.contains(name)) {
      throw BridgeException.badRequest("ERR " + name + where + " is not served as a command: use"
          + " POST /subscribe/<channel> or /psubscribe/<pattern> (Server-Sent Events)");
    }
    if (listed(CONNECTION_STATE, name, sub)) {
      throw BridgeException.badRequest("ERR " + shown(name, sub) + where + " would change the"
          + " state of a shared Redis connection and is not served; use POST /multi-exec for a"
          + " transaction and a /<db>/COMMAND/... path for another database");
    }
    if (readOnly != null && !readOnly.test(command)) {
      String ro = name.startsWith("EVAL") || name.startsWith("FCALL")
          ? "; scripts run as " + name + "_RO, where Redis refuses writes" : "";
      throw BridgeException.refused(Metrics.Refusal.READ_ONLY_TOKEN, "NOPERM " + shown(name, sub)
          + where + " is refused: this token is read-only and Redis does not flag "
          + shown(name, sub) + " as read-only" + ro);
    }
  }

  /** Only the deny, allow and dangerous lists: for the subscription endpoints. */
  void checkLists(Command command) {
    checkLists(command.name, subKey(command), "");
  }

  private String subKey(Command command) {
    if (!withSubcommands.contains(command.name)) {
      return null;
    }
    String s = command.subcommand();
    return s == null ? null : command.name + "|" + s;
  }

  private void checkLists(String name, String sub, String where) {
    if (listed(deny, name, sub)) {
      throw BridgeException.refused(Metrics.Refusal.BRIDGE_LIST, "NOPERM " + shown(name, sub)
          + where + " is denied by the bridge (deny list)");
    }
    if (!allow.isEmpty() && !listed(allow, name, sub)) {
      throw BridgeException.refused(Metrics.Refusal.BRIDGE_LIST, "NOPERM " + shown(name, sub)
          + where + " is not in the bridge's allow list");
    }
    if (listed(DANGEROUS, name, sub) && !allowAllDangerous && !listed(allowDangerous, name, sub)) {
      throw BridgeException.refused(Metrics.Refusal.BRIDGE_LIST, "NOPERM " + shown(name, sub)
          + where + " is a dangerous command and refused; start the bridge with --allow-dangerous "
          + (sub != null && DANGEROUS.contains(sub) ? sub : name) + " to enable it");
    }
  }

  private static boolean listed(Set<String> list, String name, String sub) {
    return list.contains(name) || (sub != null && list.contains(sub));
  }

  private static String shown(String name, String sub) {
    return sub == null ? name : sub.replace('|', ' ');
  }
}
