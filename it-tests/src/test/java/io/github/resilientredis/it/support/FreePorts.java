package io.github.resilientredis.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Host ports for tests that need to know a port before anything listens on it. */
public final class FreePorts {

  private FreePorts() {}

  /**
   * A TCP port that nothing listens on right now (the kernel picks it). Another process could take
   * it before the test binds it; with ports from the ephemeral range that is rare enough for tests.
   */
  public static int pick() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("could not find a free port", e);
    }
  }
}
