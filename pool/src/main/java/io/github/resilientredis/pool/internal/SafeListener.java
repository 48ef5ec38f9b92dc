package io.github.resilientredis.pool.internal;

import io.github.resilientredis.pool.PoolListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls the user's listener, so that a listener that throws cannot break a borrow or a return. */
final class SafeListener {

  private static final Logger log = LoggerFactory.getLogger(SafeListener.class);

  private final String poolName;
  private final PoolListener listener;
  private final boolean silent;

  SafeListener(String poolName, PoolListener listener) {
    this.poolName = poolName;
    this.listener = listener;
    this.silent = listener == PoolListener.NONE;
  }

  void borrowed(long waitNanos) {
    if (!silent) {
      run(() -> listener.borrowed(waitNanos));
    }
  }

  void returned(long heldNanos) {
    if (!silent) {
      run(() -> listener.returned(heldNanos));
    }
  }

  void created() {
    if (!silent) {
      run(listener::created);
    }
  }

  void destroyed(PoolListener.CloseReason reason) {
    if (!silent) {
      run(() -> listener.destroyed(reason));
    }
  }

  void heartbeatFailed(Exception cause) {
    if (!silent) {
      run(() -> listener.heartbeatFailed(cause));
    }
  }

  void reconnected() {
    if (!silent) {
      run(listener::reconnected);
    }
  }

  private void run(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.warn("{}: the pool listener threw; ignored", poolName, e);
    }
  }
}
