package io.github.resilientredis.bridge;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * One request held open on the hub: a stream of events (SSE or Webdis's chunked JSON) or a
 * long-poll that ends with the first message. The hub's threads queue events here
 * ({@link HubListener}) and the request's own thread writes them, so a slow client holds up nobody
 * but itself.
 *
 * <p>The fast path ({@link Direct}): while the request's thread waits with nothing queued and its
 * stream flushed, the hub's thread sends a message's chunk to the socket itself, without blocking
 * ({@link DirectSend}), and the waiting thread is not woken at all. A long-poll's chunk is followed
 * by the empty chunk that ends its reply, so the client has the whole reply from that one send;
 * its thread is woken after the whole fan-out, only to finish the exchange without writing (the
 * server is told the body has ended: {@link Direct#replyEnded}). What the socket does not take at
 * once goes the slow way: the request's thread writes the rest, then everything queued after it.
 *
 * <p>A client that left is noticed by a {@link DepartureWatch} where the server allows one (it
 * calls {@link #departed}); elsewhere on a write, so the request then writes a keepalive in two
 * halves whenever it has written nothing for {@code keepalive}: the first write after the client
 * closed draws a reset, the next one fails, and the request leaves its topics.
 */
final class HeldRequest implements HubListener {

  /** The reply's shape. */
  enum Shape { SSE, WEBDIS, POLL }

  /** Events queued beyond this mean the client does not read: the stream is ended. */
  static final int MAX_QUEUED = 4096;
  /** Between a keepalive's two writes: time for a reset to come back over loopback or a LAN. */
  static final long PROBE_DELAY_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50);

  private record Live(Topic topic, long gapMillis) {}

  /**
   * The request's socket for direct sends: its descriptor, whether it is open (a send only while
   * it is), its raw output stream (beneath the HTTP server's chunked body stream) for the rest of
   * a send the socket took only part of, and what tells the server's body stream that a
   * long-poll's reply has ended (null where it cannot be told: long-polls then get their message
   * through their own thread).
   */
  record Direct(int fd, BooleanSupplier open, OutputStream raw, Runnable replyEnded) {}

  /** Why the loop ended without the client leaving. */
  enum End { TIMEOUT, MESSAGE, CLOSED, OVERFLOW }

  final Shape shape;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private final ArrayDeque<Object> events = new ArrayDeque<>();
  private final Set<Topic> confirmed = new HashSet<>();
  private boolean overflowed;
  private boolean ended;
  private boolean departed;
  private String refusal;
  /** Null: every message through the request's thread. */
  private volatile Direct direct;
  /** The request's thread waits, nothing queued, its stream flushed: a direct send may go. */
  private boolean idle;
  /** Bytes of a direct send the socket did not take; the request's thread writes them first. */
  private byte[] rest;
  /** A long-poll's message and its reply's end went directly: its thread tells the server. */
  private boolean answered;
  /** {@link #settle} wakes the thread (a long-poll answered directly during a fan-out). */
  private boolean wakeDue;

  HeldRequest(Shape shape) {
    this.shape = shape;
  }

  /** Lets the hub send messages to this socket directly (null: never); before {@link #run}. */
  void sendDirectlyTo(Direct direct) {
    // a long-poll sent to directly must end its reply in the same send, which needs replyEnded
    this.direct = shape == Shape.POLL && direct != null && direct.replyEnded == null ? null
        : direct;
  }

  /** No more direct sends: the request is over, and its socket is about to be closed. */
  void closeDirect() {
    lock.lock();
    try {
      direct = null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void live(Topic topic, long gapMillis) {
    offer(new Live(topic, gapMillis));
  }

  @Override
  public void message(Message message) {
    if (direct != null) {
      lock.lock();
      try {
        Direct direct = this.direct;
        if (direct != null && idle && !ended && !departed && events.isEmpty()
            && direct.open.getAsBoolean() && sendDirectly(direct, message)) {
          return;
        }
      } finally {
        lock.unlock();
      }
    }
    offer(message);
  }

  /** Sends the message's chunk (under the lock, the thread idle); false: it went nowhere. */
  private boolean sendDirectly(Direct direct, Message message) {
    Message.Chunk chunk = message.chunk(shape);
    long sent = DirectSend.send(direct.fd, chunk.buffer(), chunk.bytes().length);
    if (sent <= 0) {
      return false; // the socket is full, or gone: the request's thread finds out which
    }
    if (sent < chunk.bytes().length) {
      rest = java.util.Arrays.copyOfRange(chunk.bytes(), (int) sent, chunk.bytes().length);
      idle = false;
      wake.signal();
    } else if (shape == Shape.POLL) {
      idle = false;
      wakeDue = true;
    }
    answered = shape == Shape.POLL;
    return true;
  }

  /**
   * Called once a message has reached every listener of its topic: a long-poll answered directly
   * is woken now, to finish its exchange, rather than amid the fan-out, whose sends go first.
   */
  @Override
  public void settle() {
    if (direct == null) {
      return;
    }
    lock.lock();
    try {
      if (wakeDue) {
        wakeDue = false;
        wake.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void refused(Topic topic, String error) {
    lock.lock();
    try {
      if (refusal == null) {
        refusal = error;
      }
      ended = true;
      wake.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Redis's refusal of one of the topics, or null. */
  String refusal() {
    lock.lock();
    try {
      return refusal;
    } finally {
      lock.unlock();
    }
  }

  private void offer(Object event) {
    lock.lock();
    try {
      if (ended) {
        return;
      }
      if (event instanceof Live live) {
        confirmed.add(live.topic);
      }
      if (events.size() >= MAX_QUEUED) {
        overflowed = true;
      } else {
        events.add(event);
      }
      wake.signal();
    } finally {
      lock.unlock();
    }
  }

  /** The client closed its connection (seen by a {@link DepartureWatch}): the request ends. */
  void departed() {
    lock.lock();
    try {
      departed = true;
      wake.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Ends the request (the bridge is closing); its thread writes its last words and returns. */
  void end() {
    lock.lock();
    try {
      ended = true;
      wake.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Waits until Redis confirmed all {@code count} topics; false after {@code nanos}. */
  boolean awaitConfirmed(int count, long nanos) throws InterruptedException {
    lock.lock();
    try {
      while (confirmed.size() < count && !ended) {
        if (nanos <= 0) {
          return false;
        }
        nanos = wake.awaitNanos(nanos);
      }
      return !ended;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Writes events to {@code out} (a long-poll's answer is left for the caller's close to flush;
   * one answered directly has been sent whole, its reply's end included) until the deadline
   * ({@code Long.MAX_VALUE}: none), the first
   * message of a long-poll, the end of the bridge or an overflow; an IOException means the client
   * left. The stream's {@code n}-th topic is announced as {@code subscribe,<name>,<n>}. A
   * keepalive is written after {@code keepaliveNanos} without a write: in two halves that find a
   * departed client when {@code probe}, else in one write (a departure watch is on duty).
   */
  End run(OutputStream out, List<Topic> topics, long deadlineNanos, long keepaliveNanos,
      boolean probe) throws IOException, InterruptedException {
    for (int i = 0; i < topics.size() && shape != Shape.POLL; i++) { // a poll's headers said so
      write(out, shape == Shape.SSE ? HeldFormats.sseSubscribed(topics.get(i), i + 1)
          : HeldFormats.webdisSubscribed(topics.get(i), i + 1));
    }
    long nextKeepalive = System.nanoTime() + keepaliveNanos;
    long probeAt = Long.MAX_VALUE;
    while (true) {
      Object event;
      byte[] restOfSend;
      lock.lock();
      try {
        while (events.isEmpty() && rest == null && !ended && !overflowed && !departed
            && !answered) {
          long now = System.nanoTime();
          long until = Math.min(Math.min(nextKeepalive, probeAt), deadlineNanos) - now;
          if (until <= 0) {
            break;
          }
          idle = probeAt == Long.MAX_VALUE; // not between a keepalive's two halves
          try {
            wake.awaitNanos(until);
          } finally {
            idle = false;
          }
        }
        if (departed) {
          throw new IOException("the client closed the connection");
        }
        restOfSend = rest;
        rest = null;
        if (restOfSend == null && answered) {
          direct.replyEnded.run(); // its last chunk went too: the server must not send another
          return End.MESSAGE;
        }
        event = restOfSend != null ? null : events.poll();
        if (event == null && (ended || overflowed)) {
          return ended ? End.CLOSED : End.OVERFLOW;
        }
      } finally {
        lock.unlock();
      }
      if (restOfSend != null) {
        Direct direct = this.direct;
        direct.raw.write(restOfSend); // beneath the chunked stream: the chunk's framing is in it
        direct.raw.flush();
        continue;
      }
      if (event == null) {
        long now = System.nanoTime();
        if (now - deadlineNanos >= 0) {
          if (shape == Shape.POLL) {
            out.write(HeldFormats.pollNothing(false)); // flushed with the last chunk
          }
          return End.TIMEOUT;
        }
        // A keepalive in two writes: the first draws a reset from a client that has left, the
        // second, a moment later, fails on it. So a departure is noticed within one interval.
        byte[][] halves = keepalive();
        if (!probe) {
          if (now - nextKeepalive >= 0) {
            write(out, halves[2]);
            nextKeepalive = now + keepaliveNanos;
          }
          continue;
        }
        if (probeAt != Long.MAX_VALUE && now - probeAt >= 0) {
          write(out, halves[1]);
          probeAt = Long.MAX_VALUE;
          nextKeepalive = now + keepaliveNanos;
        } else if (now - nextKeepalive >= 0) {
          write(out, halves[0]);
          probeAt = now + PROBE_DELAY_NANOS;
          nextKeepalive = Long.MAX_VALUE;
        }
        continue;
      }
      if (probeAt != Long.MAX_VALUE) {
        write(out, keepalive()[1]); // finish the keepalive before the event: ":" then "\n\n"
        probeAt = Long.MAX_VALUE;
      }
      if (event instanceof Live live) {
        if (live.gapMillis == 0) {
          continue; // announced above
        } else if (shape == Shape.POLL) {
          // a message may have been published while Redis was away: answer, the client polls again
          out.write(HeldFormats.pollNothing(true)); // flushed with the last chunk
          return End.MESSAGE;
        } else {
          write(out, shape == Shape.SSE ? HeldFormats.sseMissed(live.topic, live.gapMillis)
              : HeldFormats.webdisMissed(live.topic, live.gapMillis));
        }
      } else {
        Message message = (Message) event;
        switch (shape) {
          case SSE -> write(out, message.sse());
          case WEBDIS -> write(out, message.webdis());
          case POLL -> {
            // Not flushed: the caller's close sends it with the last chunk, in one write.
            out.write(HeldFormats.pollMessage(message));
            return End.MESSAGE;
          }
          default -> throw new IllegalStateException(shape.name());
        }
      }
      nextKeepalive = System.nanoTime() + keepaliveNanos;
    }
  }

  private byte[][] keepalive() {
    return switch (shape) {
      case SSE -> HeldFormats.SSE_KEEPALIVE;
      case WEBDIS -> HeldFormats.JSON_KEEPALIVE;
      case POLL -> HeldFormats.POLL_KEEPALIVE;
    };
  }

  private static void write(OutputStream out, byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }
}
