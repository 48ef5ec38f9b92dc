package io.github.resilientredis.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A broadcast shared with helper threads: every listener has the message when {@code deliver}
 * returns (its settle after its message), a topic's messages in order, and the helpers did send.
 */
class FanOutTest {

  /**
   * Records what it hears; every 64th one is slow, so a helper's chunk is still out when the
   * caller's thread runs out of chunks. Nothing here waits for anything else: a settle or a check
   * that comes too early sees the message missing.
   */
  private static final class Recorder implements HubListener {
    final List<Integer> heard = Collections.synchronizedList(new ArrayList<>());
    final boolean slow;
    final AtomicInteger settled = new AtomicInteger();
    volatile Thread lastSender;

    Recorder(boolean slow) {
      this.slow = slow;
    }

    @Override
    public void live(Topic topic, long gapMillis) {}

    @Override
    public void message(Message message) {
      if (slow) {
        LockSupport.parkNanos(2_000_000);
      }
      heard.add(Integer.parseInt(new String(message.payload, StandardCharsets.US_ASCII)));
      lastSender = Thread.currentThread();
    }

    @Override
    public void settle() {
      assertEquals(settled.get() + 1, heard.size(), "settle before its message");
      settled.incrementAndGet();
    }

    @Override
    public void refused(Topic topic, String error) {}
  }

  private static Message message(int n) {
    return new Message(null, "all".getBytes(StandardCharsets.US_ASCII),
        Integer.toString(n).getBytes(StandardCharsets.US_ASCII), System.nanoTime());
  }

  private static List<Recorder> listeners(Collection<HubListener> into, int n) {
    List<Recorder> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Recorder r = new Recorder(i % 64 == 0);
      all.add(r);
      into.add(r);
    }
    return all;
  }

  @Test
  void everyListenerHasEachMessageInOrderWhenDeliverReturns() {
    Set<HubListener> topic = ConcurrentHashMap.newKeySet();
    List<Recorder> all = listeners(topic, 3_000);
    Set<Thread> senders = ConcurrentHashMap.newKeySet();
    try (FanOut fanOut = new FanOut(2)) {
      for (int m = 0; m < 10; m++) {
        fanOut.deliver(topic, message(m));
        for (Recorder r : all) {
          assertEquals(m + 1, r.heard.size(), "a listener without message " + m);
          assertEquals(m + 1, r.settled.get());
          senders.add(r.lastSender);
        }
      }
    }
    for (Recorder r : all) {
      for (int m = 0; m < 10; m++) {
        assertEquals(m, r.heard.get(m));
      }
    }
    assertTrue(senders.size() > 1, "only " + senders + " sent: no helper took part");
  }

  @Test
  void aSmallTopicAndAMachineWithoutHelpersStayOnTheCallersThread() {
    Set<HubListener> small = ConcurrentHashMap.newKeySet();
    List<Recorder> few = listeners(small, FanOut.MIN_SHARED - 1);
    Set<HubListener> large = ConcurrentHashMap.newKeySet();
    List<Recorder> many = listeners(large, 1_000);
    try (FanOut helped = new FanOut(1); FanOut alone = new FanOut(0)) {
      helped.deliver(small, message(1));
      alone.deliver(large, message(2));
    }
    for (List<Recorder> group : List.of(few, many)) {
      for (Recorder r : group) {
        assertEquals(Thread.currentThread(), r.lastSender);
        assertEquals(1, r.settled.get());
      }
    }
  }
}
