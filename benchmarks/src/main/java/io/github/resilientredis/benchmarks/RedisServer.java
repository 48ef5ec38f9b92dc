package io.github.resilientredis.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server process this program starts, stops and restarts on one loopback port. It writes
 * its pid to {@code dir/redis.pid}, so that a script that started this program can stop it too if
 * the JVM dies first.
 */
final class RedisServer implements AutoCloseable {

  private final String binary;
  private final int port;
  private final Path dir;
  private final Thread stopAtExit = new Thread(this::stop, "redis-server-stop");
  private Process process;

  RedisServer(String binary, int port, Path dir) {
    this.binary = binary;
    this.port = Bench.requirePort(port);
    this.dir = dir;
    Runtime.getRuntime().addShutdownHook(stopAtExit);
  }

  int port() {
    return port;
  }

  synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("redis-server already runs on port " + port);
    }
    List<String> command = List.of(binary, "--port", Integer.toString(port), "--bind", Bench.HOST,
        "--save", "", "--appendonly", "no", "--timeout", "0", "--daemonize", "no",
        "--dir", dir.toString(), "--pidfile", dir.resolve("redis.pid").toString(),
        "--logfile", dir.resolve("redis.log").toString());
    process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("redis.out").toFile()).start();
    if (!Bench.awaitPing(port, 10_000)) {
      stop();
      throw new IllegalStateException("redis-server did not answer PING on port " + port
          + " within 10 s; see " + dir.resolve("redis.log"));
    }
  }

  /** SIGTERM, up to 10 s to exit, then SIGKILL. */
  synchronized void stop() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(stopAtExit);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or about to: it stops nothing twice.
    }
  }
}
