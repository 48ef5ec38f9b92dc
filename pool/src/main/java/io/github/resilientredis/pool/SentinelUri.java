package io.github.resilientredis.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses the Sentinel URI form:
 * {@code redis-sentinel://[[user]:password@]host[:port][,host[:port]...]/masterName[/database][?...]}.
 * {@code rediss-sentinel://} means TLS to the master (and, unless {@code sentinelSsl=false}, to the
 * sentinels). The credentials before {@code @} are the master's; the sentinels' come from the
 * {@code sentinelUser} and {@code sentinelPassword} parameters. A host without a port means 26379.
 * java.net.URI cannot parse a list of hosts, hence this small parser.
 */
final class SentinelUri {

  private static final String PLAIN = "redis-sentinel://";
  private static final String TLS = "rediss-sentinel://";

  private SentinelUri() {}

  static boolean isSentinelUri(String text) {
    String lower = text.trim().toLowerCase(Locale.ROOT);
    return lower.startsWith(PLAIN) || lower.startsWith(TLS);
  }

  static void apply(String original, RedisPoolConfig.Settings settings) {
    String text = original.trim();
    boolean tls = text.toLowerCase(Locale.ROOT).startsWith(TLS);
    String rest = text.substring(tls ? TLS.length() : PLAIN.length());
    String query = null;
    int question = rest.indexOf('?');
    if (question >= 0) {
      query = rest.substring(question + 1);
      rest = rest.substring(0, question);
    }
    int slash = rest.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("uri needs the master's name after the sentinels"
          + " (redis-sentinel://host:26379/mymaster): '" + redact(original) + "'");
    }
    String authority = rest.substring(0, slash);
    String path = rest.substring(slash + 1);
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      settings.applyUserInfo(authority.substring(0, at));
      authority = authority.substring(at + 1);
    }
    List<String> sentinels = new ArrayList<>();
    for (String address : authority.split(",", -1)) {
      if (address.isBlank()) {
        throw new IllegalArgumentException("uri has an empty sentinel address: '"
            + redact(original) + "'");
      }
      SentinelConfig.port(address); // validates, naming the bad address
      sentinels.add(address.trim());
    }
    String[] segments = path.split("/", -1);
    if (segments[0].isEmpty() || segments.length > 2) {
      throw new IllegalArgumentException("uri path must be /masterName or /masterName/database: '"
          + redact(original) + "'");
    }
    settings.ssl = tls;
    settings.sentinelMasterName = RedisPoolConfig.Settings.decode(segments[0]);
    settings.sentinels = sentinels;
    if (segments.length == 2 && !segments[1].isEmpty()) {
      settings.applyDatabase("/" + segments[1], original);
    }
    if (query != null && !query.isEmpty()) {
      applyQuery(query, settings, original);
    }
  }

  private static void applyQuery(String query, RedisPoolConfig.Settings settings, String original) {
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : RedisPoolConfig.Settings.decode(pair.substring(eq + 1));
      switch (key) {
        case "sentinelUser" -> settings.sentinelUser = value;
        case "sentinelPassword" -> settings.sentinelPassword = value;
        case "sentinelSsl" -> settings.sentinelSsl = parseBoolean(key, value, original);
        case "sentinelPollInterval" -> settings.sentinelPollInterval = parseMillis(key, value,
            original);
        case "clientName", "client_name", "name" -> settings.clientName = value;
        case "database", "db" -> settings.applyDatabase("/" + value, original);
        default -> throw new IllegalArgumentException("uri has an unknown parameter '" + key
            + "' (known: sentinelUser, sentinelPassword, sentinelSsl, sentinelPollInterval,"
            + " clientName, database): '" + redact(original) + "'");
      }
    }
  }

  private static boolean parseBoolean(String key, String value, String original) {
    if (value.equalsIgnoreCase("true") || value.isEmpty()) {
      return true;
    }
    if (value.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException("uri parameter " + key + " must be true or false: '" + value
        + "' in '" + redact(original) + "'");
  }

  private static Duration parseMillis(String key, String value, String original) {
    try {
      return Duration.ofMillis(Long.parseLong(value));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("uri parameter " + key + " must be milliseconds: '" + value
          + "' in '" + redact(original) + "'");
    }
  }

  /** The URI with both passwords replaced, for error messages. */
  static String redact(String text) {
    return RedisPoolConfig.Settings.redact(text)
        .replaceAll("(?i)(sentinelPassword=)[^&]*", "$1***");
  }
}
