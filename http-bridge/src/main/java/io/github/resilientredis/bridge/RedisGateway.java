package io.github.resilientredis.bridge;

import io.github.resilientredis.pool.RedisConnection;
import io.github.resilientredis.pool.RedisPool;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Runs checked commands on the pool: one command batched with those of concurrent requests
 * ({@link AutoPipeline}) or with {@link RedisPool#call} (either retries it only when that is safe),
 * a database prefix, a pipeline and a transaction on one lent connection.
 * Bounds blocking commands, keeps the Upstash sync token, which changes after every write, and
 * whether Redis is in an outage (logged once when it begins and once when it ends).
 */
final class RedisGateway {

  private static final byte[] SELECT = {'S', 'E', 'L', 'E', 'C', 'T'};
  private static final byte[] MULTI = {'M', 'U', 'L', 'T', 'I'};
  private static final byte[] EXEC = {'E', 'X', 'E', 'C'};
  private static final byte[] PING = {'P', 'I', 'N', 'G'};
  private static final Logger LOG = LoggerFactory.getLogger(RedisGateway.class);

  /** The reply to EXEC and, when Redis refused to queue a command, the first such error. */
  record Transaction(Object exec, JedisDataException queueError, int queueErrorIndex) {}

  private final RedisBackend pool;
  /** Null when pipeline-lanes is 0: each command then goes on a connection of its own. */
  private final AutoPipeline autoPipeline;
  /** On a cluster, one auto-pipeline per primary (sharing autoPipeline's counters). */
  private final Map<String, AutoPipeline> autoPipelineByNode = new ConcurrentHashMap<>();
  private final AutoPipeline.Counters autoPipelineCounters = new AutoPipeline.Counters();
  private final int pipelineLanes;
  private final byte[] defaultDb;
  private final int defaultDbNumber;
  private final BlockingCommands blocking;
  private final Semaphore blockingPermits;
  private final boolean blockingEnabled;
  private final int maxBlocking;
  private final Metrics metrics;
  private final AtomicLong writes = new AtomicLong();
  private final String syncTokenPrefix =
      Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16) + "-";
  /** Whether Redis is in an outage: its first failure was logged at WARN, the rest not. */
  private final AtomicBoolean redisDown = new AtomicBoolean();
  private final String redisDisplay;

  RedisGateway(RedisBackend pool, BridgeConfig config, Metrics metrics) {
    this.pool = pool;
    this.pipelineLanes = config.pipelineLanes;
    this.autoPipeline = config.pipelineLanes > 0
        ? new AutoPipeline(pool, config.pipelineLanes, autoPipelineCounters) : null;
    this.defaultDbNumber = pool.nodeConfig().database();
    this.defaultDb = Integer.toString(defaultDbNumber).getBytes(StandardCharsets.US_ASCII);
    this.blocking = new BlockingCommands(config.maxBlock);
    this.maxBlocking = config.maxBlocking;
    this.blockingPermits = new Semaphore(Math.max(0, config.maxBlocking));
    this.blockingEnabled = config.maxBlocking > 0 && !config.maxBlock.isZero();
    this.metrics = metrics;
    this.redisDisplay = config.redisDisplay;
  }

  /** One command; {@code db} -1 for the pool's database. Returns the raw reply. */
  Object call(Command command, int db) {
    boolean blocks = BlockingCommands.isBlocking(command);
    if (blocks) {
      acquireBlocking(command.name);
    }
    try {
      if (db >= 0 && db != defaultDbNumber) {
        return callInDb(blocks ? blocking.cap(command) : command, db);
      }
      if (blocks) {
        return pool.call(blocking.cap(command).args); // it must not hold up a batch
      }
      return autoPipeline != null ? autoPipelineFor(command).call(command.args)
          : pool.call(command.args);
    } finally {
      if (blocks) {
        blockingPermits.release();
      }
      noteWrite(command);
    }
  }

  /** A single Redis's auto-pipeline, or on a cluster that of the primary serving the command. */
  private AutoPipeline autoPipelineFor(Command command) {
    if (!pool.isCluster()) {
      return autoPipeline;
    }
    String node = pool.nodeFor(pool.slotOf(command.args));
    return autoPipelineByNode.computeIfAbsent(node,
        n -> new AutoPipeline(pool, pipelineLanes, autoPipelineCounters));
  }

  /**
   * Sends every command, then reads every reply, on one connection. Not atomic. On a cluster the
   * commands are split by slot ({@link SlotPipeline}) and the replies put back in order.
   */
  List<Object> pipeline(List<Command> commands) {
    boolean blocks = commands.stream().anyMatch(BlockingCommands::isBlocking);
    if (blocks) {
      acquireBlocking("a blocking command in the pipeline");
    }
    try {
      if (pool.isCluster()) {
        return new SlotPipeline(pool).run(commands.stream()
            .map(c -> blocks ? blocking.cap(c).args : c.args).toList());
      }
      return pool.withConnection(-1, conn -> {
        for (Command c : commands) {
          conn.send(blocks ? blocking.cap(c).args : c.args);
        }
        List<Object> replies = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
          replies.add(conn.receive());
        }
        return replies;
      });
    } finally {
      if (blocks) {
        blockingPermits.release();
      }
      commands.forEach(this::noteWrite);
    }
  }

  /**
   * MULTI, the commands, EXEC on one connection: all of them run, or none. On a cluster every key
   * must be in one slot (one primary runs the transaction): 400 otherwise.
   */
  Transaction multiExec(List<Command> commands) {
    int slot = pool.isCluster() ? SlotPipeline.singleSlot(pool, commands) : -1;
    try {
      return pool.withConnection(slot, conn -> {
        conn.send(MULTI);
        for (Command c : commands) {
          conn.send(c.args);
        }
        conn.send(EXEC);
        Object multi = conn.receive();
        JedisDataException queueError = multi instanceof JedisDataException e ? e : null;
        int queueErrorIndex = -1;
        for (int i = 0; i < commands.size(); i++) {
          Object queued = conn.receive();
          if (queueError == null && queued instanceof JedisDataException e) {
            queueError = e;
            queueErrorIndex = i;
          }
        }
        return new Transaction(conn.receive(), queueError, queueErrorIndex);
      });
    } finally {
      commands.forEach(this::noteWrite);
    }
  }

  /** The auto-pipeline's counters for /metrics (all nodes' on a cluster), or null when off. */
  AutoPipeline autoPipeline() {
    return autoPipeline;
  }

  /** PING through the pool: whether Redis answers now. */
  boolean ping() {
    return "PONG".equals(pool.call(PING));
  }

  /** Changes after every command that may write (anything not flagged read-only). */
  String syncToken() {
    return syncTokenPrefix + writes.get();
  }

  private Object callInDb(Command command, int db) {
    byte[] dbArg = Integer.toString(db).getBytes(StandardCharsets.US_ASCII);
    return pool.withConnection(pool.slotOf(command.args), conn -> {
      Object selected = conn.call(SELECT, dbArg);
      if (selected instanceof JedisDataException) {
        return selected; // e.g. "ERR DB index is out of range": the connection did not move
      }
      Object reply;
      try {
        reply = conn.call(command.args);
      } catch (JedisConnectionException e) {
        throw e; // the connection is broken and will be discarded, whatever its database
      } catch (RuntimeException e) {
        restoreDb(conn);
        throw e;
      }
      restoreDb(conn);
      return reply;
    });
  }

  /** Back to the pool's database before the connection goes back; a failure discards it. */
  private void restoreDb(RedisConnection conn) {
    Object back;
    try {
      back = conn.call(SELECT, defaultDb);
    } catch (RuntimeException e) {
      conn.jedis().getConnection().setBroken();
      throw e;
    }
    if (!"OK".equals(back)) {
      conn.jedis().getConnection().setBroken();
      throw new JedisConnectionException("could not select database " + defaultDbNumber
          + " again after a /<db>/ request: " + back);
    }
  }

  private void acquireBlocking(String what) {
    if (!blockingEnabled) {
      throw BridgeException.badRequest("ERR blocking commands (" + what + ") are disabled on this"
          + " bridge (max-block or max-blocking is 0)");
    }
    if (!blockingPermits.tryAcquire()) {
      metrics.blockingRefused();
      throw new BridgeException(429, "ERR too many blocking commands at once: " + maxBlocking
          + " are already waiting (max-blocking); try again");
    }
  }

  private void noteWrite(Command command) {
    if (!isReadOnly(command)) {
      writes.incrementAndGet();
    }
  }

  /** Whether Redis flags the command read-only: the pool's rule, so it writes nothing. */
  boolean isReadOnly(Command command) {
    return RedisPool.isReadOnlyCommand(command.args);
  }

  /** Logs the first failure of an outage at WARN, the rest at DEBUG. */
  String redisDown(String message) {
    if (redisDown.compareAndSet(false, true)) {
      LOG.warn("{}; answering 503 until it is back", message);
    } else {
      LOG.debug("{}", message);
    }
    return message;
  }

  /** Ends an outage that {@link #redisDown} began, with one INFO line. */
  void redisAnswered() {
    if (redisDown.get() && redisDown.compareAndSet(true, false)) {
      LOG.info("Redis at {} answers again", redisDisplay);
    }
  }
}
