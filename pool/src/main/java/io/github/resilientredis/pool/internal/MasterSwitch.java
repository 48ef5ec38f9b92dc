package io.github.resilientredis.pool.internal;

import java.util.concurrent.TimeUnit;
import redis.clients.jedis.HostAndPort;

/**
 * Which server the pool may lend connections to while Sentinel moves the master, as a state
 * machine with time passed in and no I/O: {@link SentinelFollower} feeds it sentinel events,
 * sentinel answers and ROLE replies, and does what {@link #plan} asks.
 *
 * <p>Lending stops at the first sign of a promotion ({@code +selected-slave} and the events after
 * it, or a {@code +switch-master} or a sentinel answer naming another server): from the moment a
 * replica is told to become master, every write the old master acknowledges is lost. Lending
 * resumes on the replica once ROLE says it is a master, or on the old master if the sentinel that
 * started the failover aborts it. A -READONLY reply, or the master's ROLE saying replica, also
 * stops lending until ROLE or the sentinels say where the master is.
 *
 * <p>Not thread-safe: the follower calls it under its own lock.
 */
final class MasterSwitch {

  /** How often a replica being promoted is asked ROLE: the pause lasts until it answers master. */
  static final long PROBE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  /** While lending is stopped and no replica is known, how often the sentinels are asked. */
  static final long PAUSED_ASK_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /**
   * A promotion that no ROLE reply confirms within this long has stalled (its sentinel may have
   * died before saying abort): drop it and ask again.
   */
  static final long PROMOTION_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(10);
  /**
   * Lending stopped on a suspicion (-READONLY, the master's ROLE saying replica) that no sentinel
   * confirms within this long resumes on the master the sentinels still name: reads work there,
   * writes get -READONLY as from any replica. Without it a replica made by hand (REPLICAOF behind
   * Sentinel's back) would stop the pool until Sentinel notices, 20 s or more.
   */
  static final long SUSPICION_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** A move of the master, for the pool to act on. {@code from} is null at discovery. */
  record Switch(HostAndPort from, HostAndPort to, long pausedNanos) {}

  /** What the follower should do now. */
  record Plan(boolean askSentinels, HostAndPort probe) {
    boolean isEmpty() {
      return !askSentinels && probe == null;
    }
  }

  enum Role { MASTER, REPLICA, UNKNOWN }

  private final String masterName;
  private final long pollIntervalNanos;
  /** The confirmed master, or null until one is found. */
  private HostAndPort master;
  /** A server expected to become (or be) the master, waiting for ROLE to confirm it. */
  private HostAndPort candidate;
  /** The config-epoch a sentinel gave with the candidate; -1 when an event named it. */
  private long candidateEpoch = -1;
  /**
   * The lowest config-epoch of the current master's configuration: a sentinel naming another
   * server under an epoch no higher has not heard of the failover that made this master yet.
   */
  private long masterEpoch = -1;
  private boolean paused;
  private long pausedSinceNanos;
  /** The sentinel whose failover stopped lending: only its abort resumes the old master. */
  private String pausedBy;
  private long nextAskNanos;
  private long nextProbeNanos;
  private boolean recheckMaster;
  /** The master's ROLE said replica: any master a sentinel names is worth checking, epoch aside. */
  private boolean masterDemoted;
  /** After an unconfirmed suspicion, until when a new one only re-checks, without stopping. */
  private long quietUntilNanos;

  MasterSwitch(String masterName, long pollIntervalNanos, long nowNanos) {
    this.masterName = masterName;
    this.pollIntervalNanos = pollIntervalNanos;
    this.paused = true; // nothing to lend until a master is found
    this.pausedSinceNanos = nowNanos;
    this.nextAskNanos = nowNanos;
  }

  /** The master connections may be lent to, or null while lending is stopped. */
  HostAndPort servingMaster() {
    return paused ? null : master;
  }

  /** The last confirmed master (kept while lending is stopped), or null. */
  HostAndPort master() {
    return master;
  }

  boolean isPaused() {
    return paused;
  }

  HostAndPort candidate() {
    return candidate;
  }

  /** What to do at {@code now}. */
  Plan plan(long now) {
    if (paused && candidate != null && now - pausedSinceNanos >= PROMOTION_LIMIT_NANOS) {
      // A promotion nobody confirmed: forget it, look at the old master and ask the sentinels.
      candidate = null;
      pausedBy = null;
      pausedSinceNanos = now;
      recheckMaster = master != null;
      nextAskNanos = now;
    }
    if (isSuspicion() && now - pausedSinceNanos >= SUSPICION_LIMIT_NANOS) {
      paused = false;
      quietUntilNanos = now + pollIntervalNanos;
    }
    boolean ask = now - nextAskNanos >= 0;
    if (ask) {
      nextAskNanos = now + pollIntervalNanos; // until the answer (or its absence) says otherwise
      if (!paused && master != null) {
        recheckMaster = true; // the poll also asks the master itself
      }
    }
    HostAndPort probe = null;
    if (candidate != null) {
      if (now - nextProbeNanos >= 0) {
        probe = candidate;
      }
    } else if (recheckMaster && master != null) {
      probe = master;
    }
    return new Plan(ask, probe);
  }

  /** When {@link #plan} will next have something to do; no side effects. */
  long nextDueNanos(long now) {
    if (recheckMaster && master != null && candidate == null) {
      return now;
    }
    long next = nextAskNanos;
    if (candidate != null) {
      next = earlier(next, nextProbeNanos);
      next = earlier(next, pausedSinceNanos + PROMOTION_LIMIT_NANOS);
    } else if (isSuspicion()) {
      next = earlier(next, pausedSinceNanos + SUSPICION_LIMIT_NANOS);
    }
    return next;
  }

  /** Lending stopped with a master known and no replica expected to replace it. */
  private boolean isSuspicion() {
    return paused && candidate == null && master != null;
  }

  /** A sentinel published a failover event. */
  void onEvent(String sentinel, SentinelEvent event, long now) {
    if (!event.masterName().equals(masterName)) {
      return;
    }
    switch (event.kind()) {
      case PROMOTION, SWITCH_MASTER -> {
        if (event.replica().equals(master)) {
          return; // already there: a late event, or the same +switch-master from another sentinel
        }
        if (master != null && !event.oldMaster().equals(master)
            && !event.replica().equals(candidate)) {
          nextAskNanos = now; // about a master we do not know: ask where the master is
          return;
        }
        expect(event.replica(), now);
        if (pausedBy == null && event.kind() == SentinelEvent.Kind.PROMOTION) {
          pausedBy = sentinel;
        }
      }
      case ABORT -> {
        if (paused && candidate != null && master != null && event.oldMaster().equals(master)
            && sentinel.equals(pausedBy)) {
          candidate = null;
          pausedBy = null;
          paused = false;
          recheckMaster = true;
          nextAskNanos = now;
        }
      }
    }
  }

  /**
   * A sentinel named {@code named} as the master, in configuration epoch {@code configEpoch}. A
   * sentinel that missed the last failover names the old master, which answers ROLE master for
   * seconds after its replica was promoted: its answer (no newer epoch) is ignored.
   */
  void onSentinelAnswer(HostAndPort named, long configEpoch, long now) {
    nextAskNanos = now + (paused && candidate == null ? PAUSED_ASK_INTERVAL_NANOS : pollIntervalNanos);
    if (named == null || named.equals(candidate)) {
      return;
    }
    if (named.equals(master)) {
      masterEpoch = Math.max(masterEpoch, configEpoch);
      return;
    }
    if (master != null && configEpoch <= masterEpoch && !masterDemoted) {
      return; // a sentinel behind the others (a master re-monitored by hand starts at epoch 0)
    }
    expect(named, now);
    candidateEpoch = configEpoch;
  }

  /** No sentinel could be asked: keep serving the known master, ask again later. */
  void onSentinelsSilent(long now) {
    nextAskNanos = now + (paused && candidate == null ? PAUSED_ASK_INTERVAL_NANOS : pollIntervalNanos);
  }

  /**
   * ROLE on {@code node} answered {@code role}. Returns the switch when this moved the master, so
   * the pool can retire the old master's connections.
   */
  Switch onRole(HostAndPort node, Role role, long now) {
    if (node.equals(candidate)) {
      if (role != Role.MASTER) {
        nextProbeNanos = now + PROBE_INTERVAL_NANOS;
        return null;
      }
      Switch moved = new Switch(master, node, now - pausedSinceNanos);
      // A failover sets a config-epoch above the old master's; an event does not say which.
      masterEpoch = master == null ? candidateEpoch : Math.max(masterEpoch + 1, candidateEpoch);
      master = node;
      masterDemoted = false;
      candidate = null;
      nextAskNanos = now + pollIntervalNanos;
      pausedBy = null;
      paused = false;
      recheckMaster = false;
      return moved;
    }
    if (node.equals(master)) {
      recheckMaster = false;
      masterDemoted = role == Role.REPLICA;
      if (role == Role.MASTER && paused && candidate == null) {
        paused = false; // a suspicion (-READONLY, a stalled promotion) that ROLE cleared
      } else if (role == Role.REPLICA) {
        if (now - quietUntilNanos >= 0) {
          pause(now); // demoted: stop until the sentinels name the new master
        }
        nextAskNanos = now;
      }
    }
    return null;
  }

  /**
   * A command got -READONLY from the master: stop lending (unless a suspicion was just dropped)
   * and look again at once.
   */
  void onReadOnly(long now) {
    if (master == null) {
      return;
    }
    if (candidate == null) {
      if (now - quietUntilNanos >= 0) {
        pause(now);
      }
      recheckMaster = true;
    }
    nextAskNanos = now;
  }

  /** A sentinel (re)connected, or the master refused a connection: ask the sentinels now. */
  void askNow(long now) {
    nextAskNanos = now;
  }

  private void expect(HostAndPort replica, long now) {
    if (!replica.equals(candidate)) {
      candidate = replica;
      candidateEpoch = -1;
      nextProbeNanos = now;
    }
    pause(now);
  }

  private void pause(long now) {
    if (!paused) {
      paused = true;
      pausedSinceNanos = now;
    }
  }

  private static long earlier(long a, long b) {
    return a - b <= 0 ? a : b;
  }
}
