package io.github.resilientredis.pool.internal;

/**
 * What the {@link Lender} gives a borrower: an idle item (what it lends implements this: the pool's
 * {@code PooledConnection}), the right to open a new one, or a place in the queue of waiters.
 */
interface Grant {

  /** Room for one more connection: the borrower opens it. */
  enum NewSlot implements Grant {
    INSTANCE
  }
}
