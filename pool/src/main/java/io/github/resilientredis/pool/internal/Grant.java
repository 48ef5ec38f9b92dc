package io.github.resilientredis.pool.internal;

/**
 * What the lender gives a borrower: an idle connection, the right to open a new one, or a place in
 * the queue of waiters.
 */
sealed interface Grant permits PooledConnection, Grant.NewSlot, Waiter {

  /** Room for one more connection: the borrower opens it. */
  enum NewSlot implements Grant {
    INSTANCE
  }
}
