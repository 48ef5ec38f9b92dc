package io.github.resilientredis.pool.internal;

import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.executors.CommandExecutor;
import redis.clients.jedis.providers.ConnectionProvider;

/**
 * Plugs the pool into Jedis 8's {@code RedisClient}: single commands go through
 * {@link CommandRunner#execute} (with its safe retry); pipelines and transactions take a connection
 * from {@link #getConnection()} and give it back by closing it.
 */
final class PoolCommandExecutor implements CommandExecutor, ConnectionProvider {

  private final CommandRunner commands;
  private final ConnectionSource pool;

  PoolCommandExecutor(CommandRunner commands, ConnectionSource pool) {
    this.commands = commands;
    this.pool = pool;
  }

  @Override
  public <T> T executeCommand(CommandObject<T> commandObject) {
    return commands.execute(commandObject);
  }

  @Override
  public Connection getConnection() {
    PooledConnection connection = pool.borrow(false);
    connection.returnOnClose(true);
    return connection;
  }

  @Override
  public Connection getConnection(CommandArguments arguments) {
    return getConnection();
  }

  /** The client is owned by the pool: closing it leaves the pool open. */
  @Override
  public void close() {}
}
