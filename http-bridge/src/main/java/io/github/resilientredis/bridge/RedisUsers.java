package io.github.resilientredis.bridge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every Redis user the bridge speaks as, and which token speaks as which: the bridge's own user
 * (the redis URL's), one {@link RedisUser} per distinct user and password the tokens name, and one
 * {@link Access} per token. Tokens of the same user share its connections.
 */
final class RedisUsers implements AutoCloseable {

  private final RedisUser own;
  private final List<RedisUser> all;
  /** Requests without a token, when auth is off. */
  private final Access anonymous;
  private final byte[][] tokens;
  private final Access[] accesses;

  RedisUsers(BridgeConfig config, CommandPolicy lists, Metrics metrics) {
    List<RedisUser> opened = new ArrayList<>();
    try {
      this.own = new RedisUser(config, "bridge", null, null, lists, metrics);
      opened.add(own);
      Map<String, RedisUser> byCredentials = new LinkedHashMap<>();
      Set<String> poolNames = new HashSet<>(Set.of("bridge"));
      List<TokenSpec> specs = config.tokens;
      this.tokens = new byte[specs.size()][];
      this.accesses = new Access[specs.size()];
      for (int i = 0; i < specs.size(); i++) {
        TokenSpec spec = specs.get(i);
        RedisUser user = own;
        if (spec.user() != null) {
          user = byCredentials.get(spec.user() + '\0' + spec.password());
          if (user == null) {
            user = new RedisUser(config, poolName(spec.user(), poolNames), spec.user(),
                spec.password(), lists, metrics);
            opened.add(user);
            byCredentials.put(spec.user() + '\0' + spec.password(), user);
          }
        }
        tokens[i] = spec.token().getBytes(StandardCharsets.UTF_8);
        accesses[i] = new Access(user, spec.readOnly(), lists, config, metrics);
      }
      this.anonymous = new Access(own, false, lists, config, metrics);
      this.all = List.copyOf(opened);
    } catch (RuntimeException e) {
      opened.forEach(RedisUser::close);
      throw e;
    }
  }

  /** {@code bridge-<user>}, with characters that do not belong in a metric label replaced. */
  private static String poolName(String user, Set<String> taken) {
    String base = "bridge-" + user.replaceAll("[^A-Za-z0-9_.:-]", "_");
    String name = base;
    for (int n = 2; !taken.add(name); n++) {
      name = base + "-" + n;
    }
    return name;
  }

  boolean authRequired() {
    return tokens.length > 0;
  }

  /** The access of the token given, or null when it matches none (compared in constant time). */
  Access forToken(String given) {
    byte[] bytes = given.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < tokens.length; i++) {
      if (MessageDigest.isEqual(bytes, tokens[i])) {
        return accesses[i];
      }
    }
    return null;
  }

  /** The access of a request when auth is off: the bridge's own user, every command. */
  Access anonymous() {
    return anonymous;
  }

  /** The bridge's own Redis user: /ready and the startup checks run on it. */
  RedisUser own() {
    return own;
  }

  /** The bridge's own user first, then one per distinct user the tokens name. */
  List<RedisUser> all() {
    return all;
  }

  /** The accesses that serve requests: one per token, or the anonymous one when auth is off. */
  List<Access> serving() {
    return tokens.length == 0 ? List.of(anonymous) : List.of(accesses);
  }

  List<Metrics.PoolView> poolViews() {
    List<Metrics.PoolView> views = new ArrayList<>(all.size());
    for (RedisUser user : all) {
      views.add(new Metrics.PoolView(user.pool.name(), user.pool.stats()));
    }
    return views;
  }

  List<AutoPipeline> autoPipelines() {
    List<AutoPipeline> lanes = new ArrayList<>(all.size());
    for (RedisUser user : all) {
      if (user.gateway.autoPipeline() != null) {
        lanes.add(user.gateway.autoPipeline());
      }
    }
    return lanes;
  }

  /** Ends every subscription stream of every user. */
  void closeSubscriptions() {
    all.forEach(RedisUser::closeSubscriptions);
  }

  @Override
  public void close() {
    all.forEach(RedisUser::close);
  }
}
