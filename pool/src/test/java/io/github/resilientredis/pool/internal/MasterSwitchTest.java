package io.github.resilientredis.pool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.pool.internal.MasterSwitch.Role;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;

/** The master switch's decisions, with time passed in: no sentinel, no sleeping. */
class MasterSwitchTest {

  private static final HostAndPort A = new HostAndPort("10.0.0.1", 6379);
  private static final HostAndPort B = new HostAndPort("10.0.0.2", 6379);
  private static final HostAndPort C = new HostAndPort("10.0.0.3", 6379);
  private static final long POLL = TimeUnit.SECONDS.toNanos(1);
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private long now = 1_000_000_000L;

  /** A switch that found A through the sentinels and confirmed it with ROLE. */
  private MasterSwitch servingA() {
    MasterSwitch s = new MasterSwitch("mymaster", POLL, now);
    assertNull(s.servingMaster(), "nothing to lend before a master is found");
    MasterSwitch.Plan plan = s.plan(now);
    assertTrue(plan.askSentinels());
    s.onSentinelAnswer(A, 1, now);
    plan = s.plan(now);
    assertEquals(A, plan.probe(), "the named master is checked with ROLE before lending");
    MasterSwitch.Switch found = s.onRole(A, Role.MASTER, now);
    assertEquals(new MasterSwitch.Switch(null, A, 0), found);
    assertEquals(A, s.servingMaster());
    return s;
  }

  private static SentinelEvent promotion(String channel, HostAndPort replica, HostAndPort master) {
    return SentinelEvent.parse(channel, "slave " + replica + " " + replica.getHost() + " "
        + replica.getPort() + " @ mymaster " + master.getHost() + " " + master.getPort());
  }

  private static SentinelEvent switchMaster(HostAndPort from, HostAndPort to) {
    return SentinelEvent.parse("+switch-master", "mymaster " + from.getHost() + " "
        + from.getPort() + " " + to.getHost() + " " + to.getPort());
  }

  private static SentinelEvent abort(HostAndPort master) {
    return SentinelEvent.parse("-failover-abort-no-good-slave", "master mymaster "
        + master.getHost() + " " + master.getPort());
  }

  @Test
  void aNamedServerThatIsNotMasterIsNotLent() {
    MasterSwitch s = new MasterSwitch("mymaster", POLL, now);
    s.plan(now);
    s.onSentinelAnswer(A, 1, now);
    assertEquals(A, s.plan(now).probe());
    assertNull(s.onRole(A, Role.REPLICA, now));
    assertNull(s.servingMaster());
    now += 10 * MS;
    assertEquals(A, s.plan(now).probe(), "asked again 10 ms later");
  }

  @Test
  void theFirstSignOfAPromotionStopsLendingUntilRoleConfirmsTheReplica() {
    MasterSwitch s = servingA();
    now += 5 * MS;
    s.onEvent("s1", promotion("+selected-slave", B, A), now);
    assertNull(s.servingMaster(), "lending stops at +selected-slave");
    assertEquals(B, s.plan(now).probe());
    assertNull(s.onRole(B, Role.REPLICA, now));
    assertNull(s.plan(now + 5 * MS).probe(), "not asked again before 10 ms");
    now += 10 * MS;
    s.onEvent("s1", promotion("+failover-state-send-slaveof-noone", B, A), now);
    assertEquals(B, s.plan(now).probe());
    now += 3 * MS;
    MasterSwitch.Switch moved = s.onRole(B, Role.MASTER, now);
    assertEquals(A, moved.from());
    assertEquals(B, moved.to());
    assertEquals(13 * MS, moved.pausedNanos());
    assertEquals(B, s.servingMaster());
  }

  @Test
  void lateEventsAndSwitchMasterFromEverySentinelChangeNothing() {
    MasterSwitch s = servingA();
    s.onEvent("s1", promotion("+selected-slave", B, A), now);
    s.plan(now);
    s.onRole(B, Role.MASTER, now);
    s.onEvent("s1", promotion("+promoted-slave", B, A), now);
    s.onEvent("s1", switchMaster(A, B), now);
    s.onEvent("s2", switchMaster(A, B), now);
    assertEquals(B, s.servingMaster(), "de-duplicated: still serving");
    assertNull(s.candidate());
  }

  @Test
  void aSentinelThatMissedTheFailoverCannotMoveThePoolBack() {
    MasterSwitch s = servingA();
    s.onEvent("s1", promotion("+selected-slave", B, A), now);
    s.plan(now);
    s.onRole(B, Role.MASTER, now);
    now += POLL;
    assertTrue(s.plan(now).askSentinels());
    s.onSentinelAnswer(A, 1, now); // s2 has not heard of it; A still answers ROLE master
    assertEquals(B, s.servingMaster());
    assertNull(s.candidate());
    s.onSentinelAnswer(B, 2, now);
    s.onSentinelAnswer(A, 2, now);
    assertEquals(B, s.servingMaster(), "nor one that gives B's epoch for A");
    s.onSentinelAnswer(C, 3, now);
    assertEquals(C, s.candidate(), "a newer epoch is a failover the events missed");
  }

  @Test
  void onceTheMasterSaysReplicaAnyNamedMasterIsChecked() {
    MasterSwitch s = servingA();
    s.onReadOnly(now);
    s.plan(now);
    s.onSentinelAnswer(B, 0, now); // re-monitored by hand: epoch 0
    assertNull(s.candidate(), "not yet: A has not said it is a replica");
    s.onRole(A, Role.REPLICA, now);
    assertTrue(s.plan(now).askSentinels());
    s.onSentinelAnswer(B, 0, now);
    assertEquals(B, s.plan(now).probe());
    assertEquals(B, s.onRole(B, Role.MASTER, now).to());
  }

  @Test
  void switchMasterAloneMovesTheMasterToo() {
    MasterSwitch s = servingA();
    s.onEvent("s2", switchMaster(A, B), now);
    assertNull(s.servingMaster());
    assertEquals(B, s.plan(now).probe());
    assertEquals(B, s.onRole(B, Role.MASTER, now).to());
  }

  @Test
  void anAbortFromTheSentinelThatStartedTheFailoverResumesTheOldMaster() {
    MasterSwitch s = servingA();
    s.onEvent("s1", promotion("+selected-slave", B, A), now);
    s.onEvent("s2", abort(A), now);
    assertNull(s.servingMaster(), "another sentinel's abort (not elected) says nothing of s1's");
    s.onEvent("s1", abort(A), now);
    assertEquals(A, s.servingMaster());
    assertTrue(s.plan(now).askSentinels(), "and asks the sentinels to be sure");
  }

  @Test
  void aPollThatNamesAnotherServerStopsLendingToTheOldOne() {
    MasterSwitch s = servingA();
    now += POLL;
    MasterSwitch.Plan plan = s.plan(now);
    assertTrue(plan.askSentinels());
    assertEquals(A, plan.probe(), "the poll also asks the master its ROLE");
    s.onSentinelAnswer(C, 1, now);
    assertEquals(A, s.servingMaster(), "not under the epoch A was found in");
    s.onSentinelAnswer(C, 2, now);
    assertNull(s.servingMaster());
    assertEquals(C, s.plan(now).probe());
    assertEquals(C, s.onRole(C, Role.MASTER, now).to());
  }

  @Test
  void aDemotedMasterStopsLendingAndTheSentinelsAreAskedAtOnce() {
    MasterSwitch s = servingA();
    now += POLL;
    s.plan(now);
    s.onSentinelAnswer(A, 1, now);
    s.onRole(A, Role.REPLICA, now);
    assertNull(s.servingMaster());
    assertTrue(s.plan(now).askSentinels());
  }

  @Test
  void readOnlyStopsLendingUntilRoleSaysMasterAgain() {
    MasterSwitch s = servingA();
    s.onReadOnly(now);
    assertNull(s.servingMaster());
    MasterSwitch.Plan plan = s.plan(now);
    assertTrue(plan.askSentinels());
    assertEquals(A, plan.probe());
    s.onSentinelAnswer(A, 1, now);
    s.onRole(A, Role.MASTER, now);
    assertEquals(A, s.servingMaster(), "a false alarm: serving again");
  }

  @Test
  void aDemotionNoSentinelConfirmsResumesAfterTheLimitAndDoesNotStopAgainAtOnce() {
    MasterSwitch s = servingA();
    s.onReadOnly(now);
    s.plan(now);
    s.onSentinelAnswer(A, 1, now); // the sentinels still name A
    s.onRole(A, Role.REPLICA, now); // made a replica by hand
    assertNull(s.servingMaster());
    s.plan(now);
    s.onSentinelAnswer(A, 1, now);
    s.plan(now + MasterSwitch.SUSPICION_LIMIT_NANOS - MS);
    assertNull(s.servingMaster(), "held up to the limit");
    now += MasterSwitch.SUSPICION_LIMIT_NANOS;
    s.plan(now);
    assertEquals(A, s.servingMaster(), "reads go on; writes get -READONLY as from any replica");
    now += 10 * MS;
    s.onReadOnly(now);
    assertEquals(A, s.servingMaster(), "a -READONLY right after only re-checks");
    MasterSwitch.Plan plan = s.plan(now);
    assertTrue(plan.askSentinels());
    assertEquals(A, plan.probe());
    s.onSentinelAnswer(B, 2, now);
    assertNull(s.servingMaster(), "a sentinel naming the new master still stops lending");
  }

  @Test
  void sentinelsSilentKeepServingTheKnownMaster() {
    MasterSwitch s = servingA();
    for (int i = 0; i < 5; i++) {
      now += POLL;
      assertTrue(s.plan(now).askSentinels());
      s.onSentinelsSilent(now);
      s.onRole(A, Role.UNKNOWN, now);
      assertEquals(A, s.servingMaster());
    }
  }

  @Test
  void aPromotionNothingConfirmsIsDroppedAfterTheLimit() {
    MasterSwitch s = servingA();
    s.onEvent("s1", promotion("+selected-slave", B, A), now);
    for (long t = now; t - now < MasterSwitch.PROMOTION_LIMIT_NANOS; t += 100 * MS) {
      MasterSwitch.Plan plan = s.plan(t);
      if (plan.probe() != null) {
        s.onRole(B, Role.REPLICA, t);
      }
      if (plan.askSentinels()) {
        s.onSentinelAnswer(A, 1, t);
      }
      assertNull(s.servingMaster());
    }
    now += MasterSwitch.PROMOTION_LIMIT_NANOS;
    MasterSwitch.Plan plan = s.plan(now);
    assertNull(s.candidate());
    assertEquals(A, plan.probe());
    s.onSentinelAnswer(A, 1, now);
    s.onRole(A, Role.MASTER, now);
    assertEquals(A, s.servingMaster());
  }

  @Test
  void eventsAboutAnotherMasterNameAreIgnored() {
    MasterSwitch s = servingA();
    s.onEvent("s1", SentinelEvent.parse("+switch-master", "other 10.0.0.1 6379 10.0.0.2 6379"), now);
    assertEquals(A, s.servingMaster());
    assertFalse(s.isPaused());
  }

  @Test
  void nextDueSaysWhenToWakeWithoutChangingAnything() {
    MasterSwitch s = servingA();
    assertEquals(now + POLL, s.nextDueNanos(now));
    s.onEvent("s1", promotion("+selected-slave", B, A), now);
    assertEquals(now, s.nextDueNanos(now));
    s.plan(now);
    s.onRole(B, Role.REPLICA, now);
    assertEquals(now + MasterSwitch.PROBE_INTERVAL_NANOS, s.nextDueNanos(now));
  }

  @Test
  void parsesWhatSentinelPublishes() {
    SentinelEvent selected = SentinelEvent.parse("+selected-slave",
        "slave 127.0.0.1:6902 127.0.0.1 6902 @ mymaster 127.0.0.1 6901");
    assertEquals(SentinelEvent.Kind.PROMOTION, selected.kind());
    assertEquals(new HostAndPort("127.0.0.1", 6902), selected.replica());
    assertEquals(new HostAndPort("127.0.0.1", 6901), selected.oldMaster());
    SentinelEvent switched = SentinelEvent.parse("+switch-master",
        "mymaster 127.0.0.1 6901 127.0.0.1 6902");
    assertEquals(SentinelEvent.Kind.SWITCH_MASTER, switched.kind());
    assertEquals(SentinelEvent.Kind.ABORT, SentinelEvent.parse("-failover-abort-not-elected",
        "master mymaster 127.0.0.1 6901").kind());
    assertNull(SentinelEvent.parse("+switch-master", "mymaster 127.0.0.1"));
    assertNull(SentinelEvent.parse("+sdown", "master mymaster 127.0.0.1 6901"));
    assertNull(SentinelEvent.parse("+selected-slave", "slave x x port @ mymaster 1 2"));
  }
}
