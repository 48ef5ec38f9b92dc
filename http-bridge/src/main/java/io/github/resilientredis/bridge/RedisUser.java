package io.github.resilientredis.bridge;


/**
 * The connections of one Redis user: a pool authenticated as that user (the bridge's own user
 * from the redis URL, or the ACL user a token is bound to), the gateway that runs commands on it
 * with its own auto-pipeline lanes, and, from the first subscriber on, one subscriptions hub. So
 * every command, script, function and subscription of a token runs as its user, and Redis refuses
 * what the user may not do.
 */
final class RedisUser implements AutoCloseable {

  /** The ACL user's name; null for the bridge's own user (whatever the redis URL names). */
  final String name;
  /** One Redis's pool, or a cluster's pools. */
  final RedisBackend pool;
  final RedisGateway gateway;
  private final BridgeConfig config;
  private final CommandPolicy policy;
  private final Metrics metrics;
  private Subscriptions subscriptions;
  private boolean subscriptionsClosed;

  /**
   * Opens the pool: {@code user} and {@code password} null for the bridge's own user. Each pool
   * may grow to pool-size: connections open on demand, and the request threads (max-concurrent)
   * bound how many of all pools are in use at once.
   */
  RedisUser(BridgeConfig config, String poolName, String user, String password,
      CommandPolicy policy, Metrics metrics) {
    this.name = user;
    this.config = config;
    this.policy = policy;
    this.metrics = metrics;
    this.pool = RedisBackend.open(config, poolName, user, password);
    this.gateway = new RedisGateway(pool, config, metrics);
  }

  /** How log lines and messages name this user (never with its password). */
  String describe() {
    return name == null ? "the bridge's own Redis user" : "Redis user '" + name + "'";
  }

  /**
   * This user's subscriptions hub, opened by the first subscriber: /subscribe streams run on
   * connections authenticated as this user, so Redis checks its channel permissions.
   */
  synchronized Subscriptions subscriptions() {
    if (subscriptions == null) {
      subscriptions = new Subscriptions(config, pool.nodeConfig(), policy, metrics);
      if (subscriptionsClosed) {
        subscriptions.close(); // opened during shutdown: it turns the subscriber away
      }
    }
    return subscriptions;
  }

  /** Ends every subscription stream of this user (the first step of shutting down). */
  synchronized void closeSubscriptions() {
    subscriptionsClosed = true;
    if (subscriptions != null) {
      subscriptions.close();
    }
  }

  @Override
  public void close() {
    closeSubscriptions();
    pool.close();
  }
}
