package io.github.resilientredis.bridge;

import io.github.resilientredis.pool.RedisPool;
import io.github.resilientredis.pool.RedisPoolException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Sends the single commands of concurrent requests to Redis together: commands that arrive while a
 * batch is on the wire wait for it, then go as the next batch, written at once and answered in
 * order on one pooled connection. Redis reads and answers a batch with one system call each way
 * instead of one per command; Webdis and Lettuce share connections the same way.
 *
 * <p>No thread of its own: in each lane the caller that finds nobody sending becomes the driver.
 * It sends batches until its own command is answered, then hands the lane to the oldest caller
 * still waiting, whose command goes in the next batch. So a request thread only ever waits for
 * Redis, as it would on a connection of its own.
 *
 * <p>When the connection fails in the middle of a batch, the replies read so far are delivered.
 * Each command left unanswered may or may not have run: its caller sends it again on its own (with
 * {@link RedisPool#call}) only when {@link RedisPool#isSafeToResend} says so; otherwise it gets the
 * failure, and an INCR is never doubled. A command answered {@code -LOADING} ran nothing and is
 * sent again the same way; so is one answered {@code -READONLY} when the pool follows Sentinel
 * (the master was demoted): {@link RedisPool#call} holds it until the new master is confirmed
 * (bounded by the borrow timeout) and runs it there, whatever the command, INCR included; and so
 * is one answered MOVED, ASK, TRYAGAIN or CLUSTERDOWN on a cluster, where there is one
 * auto-pipeline per primary and the resend follows the redirect ({@link RedisBackend#ranNothing}).
 */
final class AutoPipeline {

  /**
   * The most commands in one batch. Large enough that a batch amortises its system calls, small
   * enough that the last command in it does not wait long for the ones ahead.
   */
  static final int MAX_BATCH = 128;

  private final RedisBackend redis;
  private final Lane[] lanes;
  private final Counters counters;

  /** What the auto-pipelines of one bridge did, summed over a cluster's nodes. */
  static final class Counters {
    final LongAdder batches = new LongAdder();
    final LongAdder commands = new LongAdder();
    final LongAdder resent = new LongAdder();
  }

  /** {@code lanes} batches may be on the wire at once, each on its own connection. */
  AutoPipeline(RedisBackend redis, int lanes) {
    this(redis, lanes, new Counters());
  }

  /**
   * On a cluster, one per primary: every command given to it is for that node's slots, and its
   * batches go on a connection to the slot of their first command.
   */
  AutoPipeline(RedisBackend redis, int lanes, Counters counters) {
    if (lanes < 1) {
      throw new IllegalArgumentException("an auto-pipeline needs at least one lane: " + lanes);
    }
    this.redis = redis;
    this.counters = counters;
    this.lanes = new Lane[lanes];
    for (int i = 0; i < lanes; i++) {
      this.lanes[i] = new Lane();
    }
  }

  /**
   * Runs one command and returns its raw reply, like {@link RedisPool#call}: a Redis error is
   * returned, a transport failure thrown. For commands that neither block nor change the
   * connection's state (the bridge refuses those or sends them on a connection of their own).
   */
  Object call(byte[][] command) {
    Lane lane = lanes.length == 1 ? lanes[0]
        : lanes[ThreadLocalRandom.current().nextInt(lanes.length)];
    Slot slot = lane.call(command);
    if (slot.resend) {
      counters.resent.increment();
      return redis.call(command); // on this caller's thread, with the pool's own retry
    }
    if (slot.failure != null) {
      throw slot.failure;
    }
    return slot.reply;
  }

  long batches() {
    return counters.batches.sum();
  }

  long commands() {
    return counters.commands.sum();
  }

  long resent() {
    return counters.resent.sum();
  }

  /** Commands queued for a next batch, over all lanes (for tests). */
  int waiting() {
    int n = 0;
    for (Lane lane : lanes) {
      n += lane.waitingCount();
    }
    return n;
  }

  /** One caller's command: written by the driver, read by the caller once {@link #done} is set. */
  private static final class Slot {
    final byte[][] command;
    final Thread caller = Thread.currentThread();
    Object reply;
    RuntimeException failure;
    /** The caller must send it again itself: it may not have run, and sending twice is safe. */
    boolean resend;
    volatile boolean done;
    /** Set when the lane is handed to this caller: it drives the next batch. */
    volatile boolean leads;

    Slot(byte[][] command) {
      this.command = command;
    }
  }

  /** One connection's worth of batching: the waiting commands and whether someone is driving. */
  private final class Lane {
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Slot> waiting = new ArrayDeque<>();
    private boolean driving;

    int waitingCount() {
      lock.lock();
      try {
        return waiting.size();
      } finally {
        lock.unlock();
      }
    }

    Slot call(byte[][] command) {
      Slot mine = new Slot(command);
      boolean drive;
      lock.lock();
      try {
        waiting.addLast(mine);
        drive = !driving;
        driving = true;
      } finally {
        lock.unlock();
      }
      if (!drive && !awaitTurn(mine)) {
        return mine; // answered by another caller's batch
      }
      drive(mine);
      return mine;
    }

    /**
     * Parks until the slot is answered (false) or the lane is handed to it (true). The park has no
     * deadline: a timed park of a virtual thread arms the JDK's timer (on Java 25 it wakes
     * ForkJoinPool's delay-scheduler thread to add the deadline and again to cancel it), which
     * cost a futex call and a context switch per request, about a quarter of the bridge's CPU per
     * GET (BENCHMARKS.md, "The bridge against Webdis"). The wait is bounded all the same: the
     * driver's reads have the connection's read timeout, and {@link #run} answers every slot of
     * its batch in a finally, whatever fails.
     */
    private boolean awaitTurn(Slot mine) {
      boolean interrupted = false;
      while (!mine.done && !mine.leads) {
        LockSupport.park(this);
        // An interrupt cannot take the command back once it may be on the wire; the wait is
        // bounded by the connection's read timeout, so it finishes and the flag is kept.
        interrupted |= Thread.interrupted();
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return !mine.done;
    }

    /** Sends batches until {@code mine} is answered, then hands the lane on. */
    private void drive(Slot mine) {
      try {
        while (!mine.done) {
          List<Slot> batch = takeBatch();
          if (batch.isEmpty()) {
            throw new IllegalStateException("auto-pipeline: own command missing from the lane");
          }
          run(batch);
        }
      } finally {
        handOn();
      }
    }

    private List<Slot> takeBatch() {
      lock.lock();
      try {
        int size = Math.min(waiting.size(), MAX_BATCH);
        List<Slot> batch = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
          batch.add(waiting.pollFirst());
        }
        return batch;
      } finally {
        lock.unlock();
      }
    }

    /** The oldest waiting caller drives next; with nobody waiting, the lane goes idle. */
    private void handOn() {
      Slot next;
      lock.lock();
      try {
        next = waiting.peekFirst();
        driving = next != null;
      } finally {
        lock.unlock();
      }
      if (next != null) {
        next.leads = true;
        LockSupport.unpark(next.caller);
      }
    }
  }

  /** Writes the batch, reads its replies in order, and answers every slot whatever happens. */
  private void run(List<Slot> batch) {
    counters.batches.increment();
    counters.commands.add(batch.size());
    try {
      redis.withConnection(redis.slotOf(batch.get(0).command), connection -> {
        for (Slot slot : batch) {
          connection.send(slot.command);
        }
        for (int i = 0; i < batch.size(); i++) {
          Slot slot = batch.get(i);
          Object reply = connection.receive();
          if (redis.ranNothing(reply)) {
            // Nothing ran: call() waits the loading out, for Sentinel's new master, or follows
            // the cluster's redirect.
            slot.resend = true;
          } else {
            slot.reply = reply;
          }
          answer(slot);
        }
        return null;
      });
    } catch (RedisPoolException e) {
      failRest(batch, 0, e, false); // no connection: nothing was sent
    } catch (JedisConnectionException e) {
      failRest(batch, countAnswered(batch), e, true);
    } catch (RuntimeException e) {
      failRest(batch, countAnswered(batch), e, false);
    } catch (Error e) {
      failRest(batch, countAnswered(batch), new IllegalStateException(e.toString(), e), false);
      throw e;
    }
  }

  private static int countAnswered(List<Slot> batch) {
    int n = 0;
    while (n < batch.size() && batch.get(n).done) {
      n++;
    }
    return n;
  }

  /** Answers the slots from {@code from} on after a failure. */
  private static void failRest(List<Slot> batch, int from, RuntimeException failure,
      boolean mayHaveRun) {
    for (int i = from; i < batch.size(); i++) {
      Slot slot = batch.get(i);
      if (slot.done) {
        continue;
      }
      if (mayHaveRun && failure instanceof JedisConnectionException connectionLost
          && RedisPool.isSafeToResend(connectionLost, slot.command)) {
        slot.resend = true;
      } else {
        slot.failure = failure;
      }
      answer(slot);
    }
  }

  private static void answer(Slot slot) {
    slot.done = true;
    if (slot.caller != Thread.currentThread()) {
      LockSupport.unpark(slot.caller);
    }
  }
}
