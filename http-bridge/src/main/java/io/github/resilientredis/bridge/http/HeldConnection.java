package io.github.resilientredis.bridge.http;

import java.io.OutputStream;

/**
 * What an exchange of {@link EpollHttpServer} offers a request held open for a long time (a
 * stream of events, a long-poll): its socket for sends from other threads while the handler's
 * thread waits, and word of the client leaving. Everything here is for a reply already started
 * with a chunked body whose buffered bytes have been flushed.
 */
public interface HeldConnection {

  /**
   * The socket's descriptor, for {@code send(2)} from other threads while the reply is held: it
   * stays this connection's until the handler returns (the server closes it only then).
   */
  int descriptor();

  /** False once the client closed or reset the connection, or the server closed it. */
  boolean isOpen();

  /** Bytes straight to the socket, beneath the reply's chunk framing. */
  OutputStream raw();

  /**
   * The reply's last chunk went out through {@link #descriptor()}: closing the exchange then
   * sends nothing more, and the connection serves the client's next request.
   */
  void replyEndedElsewhere();

  /**
   * Runs {@code departure} once when the client closes or resets the connection (at once if it
   * already has), on the server's poller thread: it must be quick and never block.
   */
  void watchDeparture(Runnable departure);

  /** No more word of a departure (the request is over). */
  void unwatchDeparture();
}
