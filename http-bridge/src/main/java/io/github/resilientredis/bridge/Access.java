package io.github.resilientredis.bridge;

/**
 * What one token's requests may do and where they run: its Redis user's connections, the command
 * policy (the bridge's lists, plus read-only for a read-only token) and the two APIs bound to both.
 */
final class Access {

  final RedisUser user;
  final boolean readOnly;
  final CommandPolicy policy;
  final UpstashApi upstash;
  final WebdisApi webdis;

  Access(RedisUser user, boolean readOnly, CommandPolicy lists, BridgeConfig config,
      Metrics metrics) {
    this.user = user;
    this.readOnly = readOnly;
    this.policy = readOnly ? lists.readOnly(user.gateway::isReadOnly) : lists;
    this.upstash = new UpstashApi(user.gateway, policy, config, metrics);
    this.webdis = new WebdisApi(user.gateway, policy, config);
  }

  /** /subscribe streams of this token: on its user's hub. A read-only token may subscribe. */
  Subscriptions subscriptions() {
    return user.subscriptions();
  }
}
