package io.github.resilientredis.pool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lender and its waiters with plain objects and a hand-driven {@link Ticker}: no sockets, no
 * Redis, no sleeps. A waiter parks the thread that queued it, so each test queues its waiters on
 * its own thread and settles them before awaiting (or lets the ticker say the deadline passed).
 */
class LenderTest {

  /** What the tests lend: a name, nothing else. */
  record Item(String name) implements Grant {}

  private final AtomicLong now = new AtomicLong(1_000);
  private final Ticker ticker = now::get;

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  @Test
  void lendsNewSlotsUpToTheLimitThenQueuesWaiters() {
    Lender<Item> lender = new Lender<>(2);
    assertSame(Grant.NewSlot.INSTANCE, lender.acquire());
    assertSame(Grant.NewSlot.INSTANCE, lender.acquire());
    assertInstanceOf(Waiter.class, lender.acquire());
    assertEquals(new Lender.Counts(2, 0, 2, 1), lender.counts());
  }

  @Test
  void reusesTheLastReturnedIdleItemFirst() {
    Lender<Item> lender = new Lender<>(2);
    lender.acquire();
    lender.acquire();
    Item a = new Item("a");
    Item b = new Item("b");
    assertTrue(lender.giveBack(a));
    assertTrue(lender.giveBack(b));
    assertSame(b, lender.acquire(), "the one used a moment ago, which needs no check");
    assertSame(a, lender.acquire());
  }

  @Test
  void handsReturnedItemsToWaitersInArrivalOrder() throws InterruptedException {
    Lender<Item> lender = new Lender<>(1);
    lender.acquire();
    Waiter first = (Waiter) lender.acquire();
    Waiter second = (Waiter) lender.acquire();
    Item item = new Item("x");
    lender.giveBack(item);
    assertTrue(first.isSettled());
    assertFalse(second.isSettled(), "only the first in line is served");
    assertSame(item, first.await(now.get() + 1_000, ticker));
    assertEquals(new Lender.Counts(1, 0, 1, 1), lender.counts(), "the item stays lent");
  }

  @Test
  void aDiscardedItemsRoomGoesToTheFirstWaiterAsANewSlot() throws InterruptedException {
    Lender<Item> lender = new Lender<>(1);
    lender.acquire();
    Waiter waiter = (Waiter) lender.acquire();
    lender.discard();
    assertSame(Grant.NewSlot.INSTANCE, waiter.await(now.get() + 1_000, ticker));
    assertEquals(new Lender.Counts(1, 0, 1, 0), lender.counts());
  }

  @Test
  void aWaiterPastItsDeadlineGetsNothingAndWithdraws() throws InterruptedException {
    Lender<Item> lender = new Lender<>(1);
    lender.acquire();
    Waiter waiter = (Waiter) lender.acquire();
    long deadline = now.get() + 500;
    now.set(deadline); // the ticker says the time is up: await must not park
    assertNull(waiter.await(deadline, ticker));
    assertNull(lender.withdraw(waiter));
    assertEquals(0, lender.counts().waiting());
    lender.giveBack(new Item("late"));
    assertEquals(new Lender.Counts(1, 1, 0, 0), lender.counts(), "nobody is served a withdrawn wait");
  }

  @Test
  void anItemHandedAfterTheDeadlineIsFoundOnWithdrawal() throws InterruptedException {
    Lender<Item> lender = new Lender<>(1);
    lender.acquire();
    Waiter waiter = (Waiter) lender.acquire();
    now.addAndGet(10_000);
    assertNull(waiter.await(now.get(), ticker));
    Item late = new Item("late");
    lender.giveBack(late); // between the timeout and the withdrawal
    assertSame(late, lender.withdraw(waiter), "the caller now owns it and must give it back");
  }

  @Test
  void anInterruptedWaiterThrowsAndCanWithdraw() {
    Lender<Item> lender = new Lender<>(1);
    lender.acquire();
    Waiter waiter = (Waiter) lender.acquire();
    Thread.currentThread().interrupt();
    assertThrows(InterruptedException.class, () -> waiter.await(now.get() + 1_000_000, ticker));
    assertFalse(Thread.currentThread().isInterrupted(), "the flag is consumed by the exception");
    assertNull(lender.withdraw(waiter));
    assertEquals(0, lender.counts().waiting());
  }

  @Test
  void closeFailsWaitersAndLendsNothingMore() {
    Lender<Item> lender = new Lender<>(1);
    lender.acquire();
    Waiter waiter = (Waiter) lender.acquire();
    IllegalStateException cause = new IllegalStateException("closed");
    assertEquals(List.of(), lender.close(cause));
    assertSame(cause, assertThrows(IllegalStateException.class,
        () -> waiter.await(now.get() + 1_000, ticker)));
    assertNull(lender.acquire(), "a closed lender lends nothing");
    assertFalse(lender.giveBack(new Item("after")), "the caller must close what comes back");
    assertEquals(0, lender.reserveForOpening(1));
    assertEquals(0, lender.idleDeficit(1));
  }

  @Test
  void closeDrainsIdleItems() {
    Lender<Item> lender = new Lender<>(2);
    lender.acquire();
    lender.acquire();
    Item a = new Item("a");
    Item b = new Item("b");
    lender.giveBack(a);
    lender.giveBack(b);
    assertEquals(List.of(a, b), lender.close(new IllegalStateException("closed")));
    assertEquals(0, lender.counts().idle());
  }

  @Test
  void reservesSelectedIdleItemsWhileMoreThanKeepIdleStay() {
    Lender<Item> lender = new Lender<>(3);
    for (int i = 0; i < 3; i++) {
      lender.acquire();
    }
    Item a = new Item("a");
    Item b = new Item("b");
    Item c = new Item("c");
    lender.giveBack(a);
    lender.giveBack(b);
    lender.giveBack(c);
    assertEquals(List.of(a, b), lender.reserveIdleWhere(item -> true, 1), "oldest first");
    assertEquals(new Lender.Counts(3, 1, 2, 0), lender.counts(), "reserved items count as lent");
    assertEquals(List.of(), lender.reserveIdleWhere(item -> item.name().equals("a"), 0));
  }

  @Test
  void backgroundOpeningsCountTowardsTheLimitAndTheIdleDeficit() {
    Lender<Item> lender = new Lender<>(3);
    assertEquals(3, lender.idleDeficit(3));
    assertEquals(2, lender.reserveForOpening(2));
    assertEquals(1, lender.idleDeficit(3), "openings under way count");
    assertEquals(1, lender.reserveForOpening(5), "only up to the limit");
    assertInstanceOf(Waiter.class, lender.acquire());
    Item opened = new Item("opened");
    assertTrue(lender.addOpened(opened), "goes to the waiter");
    lender.cancelOpening(2);
    assertEquals(new Lender.Counts(1, 0, 1, 0), lender.counts());
  }

  @Test
  void earliestIdleIsTheSmallestDueTime() {
    Lender<Item> lender = new Lender<>(2);
    assertEquals(Long.MAX_VALUE, lender.earliestIdle(item -> 0));
    lender.acquire();
    lender.acquire();
    lender.giveBack(new Item("30"));
    lender.giveBack(new Item("20"));
    assertEquals(20, lender.earliestIdle(item -> Long.parseLong(item.name())));
  }

  @Test
  void failWaitersFailsEveryOneAtOnce() {
    Lender<Item> lender = new Lender<>(1);
    lender.acquire();
    Waiter a = (Waiter) lender.acquire();
    Waiter b = (Waiter) lender.acquire();
    IllegalStateException down = new IllegalStateException("down");
    lender.failWaiters(down);
    assertSame(down, assertThrows(IllegalStateException.class, a::settled));
    assertSame(down, assertThrows(IllegalStateException.class,
        () -> b.await(now.get() + 1_000, ticker)));
    assertEquals(0, lender.counts().waiting());
  }
}
