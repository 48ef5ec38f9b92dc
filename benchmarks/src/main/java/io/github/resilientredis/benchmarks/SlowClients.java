package io.github.resilientredis.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Do slow and idle clients hold up the others? Against one HTTP server on loopback: probes send
 * normal requests (keep-alive, one at a time each) and their latency is measured twice in the same
 * run: alone, then beside {@code --slow} clients that send a request one byte a second and
 * {@code --idle} connections that send nothing. Prints one Markdown row per phase.
 *
 * <pre>
 * java -cp benchmarks.jar io.github.resilientredis.benchmarks.SlowClients --port 7379 \
 *     --slow 1000 --idle 10000 --seconds 15 --probes 4 --path /GET/k
 * </pre>
 *
 * Only loopback; every loop is bounded in time; every socket is closed at the end.
 */
public final class SlowClients {

  private SlowClients() {}

  public static void main(String[] args) throws Exception {
    int port = 0;
    int slow = 1000;
    int idle = 10_000;
    int seconds = 15;
    int probes = 4;
    int pauseMillis = 5;
    String path = "/GET/bench:get";
    String label = "server";
    for (int i = 0; i < args.length; i += 2) {
      String value = args[i + 1];
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(value);
        case "--slow" -> slow = Integer.parseInt(value);
        case "--idle" -> idle = Integer.parseInt(value);
        case "--seconds" -> seconds = Integer.parseInt(value);
        case "--probes" -> probes = Integer.parseInt(value);
        case "--pause-ms" -> pauseMillis = Integer.parseInt(value);
        case "--path" -> path = value;
        case "--label" -> label = value;
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (port <= 0 || seconds < 1 || seconds > 120 || slow < 0 || idle < 0 || probes < 1) {
      throw new IllegalArgumentException("--port is required; --seconds 1..120; counts >= 0");
    }
    byte[] probe = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);

    Result alone = measure(port, probe, probes, seconds, pauseMillis);
    List<Socket> idleSockets = new ArrayList<>();
    List<Socket> slowSockets = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger slowCut = new AtomicInteger();
    Thread trickler = null;
    try {
      long openStart = System.nanoTime();
      for (int i = 0; i < idle; i++) {
        idleSockets.add(connect(port));
      }
      for (int i = 0; i < slow; i++) {
        slowSockets.add(connect(port));
      }
      long openMillis = (System.nanoTime() - openStart) / 1_000_000;
      byte[] slowRequest = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
          + "x".repeat(64) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      trickler = new Thread(() -> trickle(slowSockets, slowRequest, stop, slowCut), "trickler");
      trickler.setDaemon(true);
      trickler.start();
      Thread.sleep(2_000); // every slow client has sent its first bytes
      Result loaded = measure(port, probe, probes, seconds, pauseMillis);
      stop.set(true);
      trickler.join(5_000);
      int idleClosed = 0;
      for (Socket s : idleSockets) {
        if (closedByServer(s)) {
          idleClosed++;
        }
      }
      System.out.printf(Locale.ROOT, "| %s | alone | %d | %.2f | %.2f | %.2f | %d | |%n", label,
          alone.count, alone.p50, alone.p99, alone.max, alone.errors);
      System.out.printf(Locale.ROOT, "| %s | beside %d slow + %d idle | %d | %.2f | %.2f | %.2f"
              + " | %d | p99 %+.2f ms; opened in %d ms; slow cut off %d, idle closed %d |%n",
          label, slow, idle, loaded.count, loaded.p50, loaded.p99, loaded.max, loaded.errors,
          loaded.p99 - alone.p99, openMillis, slowCut.get(), idleClosed);
    } finally {
      stop.set(true);
      for (Socket s : idleSockets) {
        s.close();
      }
      for (Socket s : slowSockets) {
        s.close();
      }
    }
  }

  private record Result(long count, double p50, double p99, double max, int errors) {}

  /** {@code probes} keep-alive connections, each sending requests one after another. */
  private static Result measure(int port, byte[] request, int probes, int seconds,
      int pauseMillis) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(probes);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Future<long[]>> parts = new ArrayList<>();
    AtomicInteger errors = new AtomicInteger();
    for (int p = 0; p < probes; p++) {
      parts.add(pool.submit(() -> {
        long[] h = new long[1024];
        int n = 0;
        Socket s = null;
        while (System.nanoTime() < until) {
          long start = System.nanoTime();
          try {
            if (s == null) {
              s = connect(port);
              s.setSoTimeout(10_000);
            }
            s.getOutputStream().write(request);
            if (!readReply(s.getInputStream())) {
              errors.incrementAndGet();
              s.close();
              s = null;
            }
          } catch (IOException e) {
            errors.incrementAndGet();
            if (s != null) {
              s.close();
            }
            s = null;
          }
          if (n == h.length) {
            h = Arrays.copyOf(h, n * 2);
          }
          h[n++] = System.nanoTime() - start;
          Thread.sleep(pauseMillis);
        }
        if (s != null) {
          s.close();
        }
        return Arrays.copyOf(h, n);
      }));
    }
    long[] all = new long[0];
    for (Future<long[]> f : parts) {
      long[] part = f.get(seconds + 60L, TimeUnit.SECONDS);
      int at = all.length;
      all = Arrays.copyOf(all, at + part.length);
      System.arraycopy(part, 0, all, at, part.length);
    }
    pool.shutdown();
    Arrays.sort(all);
    return new Result(all.length, percentile(all, 50), percentile(all, 99),
        percentile(all, 100), errors.get());
  }

  /** Milliseconds below which {@code percent} of the sorted latencies fall (nearest rank). */
  private static double percentile(long[] sorted, double percent) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(sorted.length * percent / 100.0);
    return sorted[Math.max(0, rank - 1)] / 1e6;
  }

  /** Reads one reply with a Content-Length body; false unless it is a 200. */
  private static boolean readReply(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      head.append((char) b);
      if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
        break;
      }
    }
    if (b < 0) {
      return false;
    }
    String text = head.toString();
    int length = 0;
    for (String line : text.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
        length = Integer.parseInt(line.substring(colon + 1).trim());
      }
    }
    if (in.readNBytes(length).length < length) {
      return false;
    }
    return text.startsWith("HTTP/1.1 200");
  }

  /** One byte of its request to every slow client each second, spread over the second. */
  private static void trickle(List<Socket> sockets, byte[] request, AtomicBoolean stop,
      AtomicInteger cut) {
    boolean[] dead = new boolean[sockets.size()];
    int[] sent = new int[sockets.size()];
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(200);
    while (!stop.get() && System.nanoTime() < deadline) {
      long round = System.nanoTime();
      for (int i = 0; i < sockets.size() && !stop.get(); i++) {
        if (dead[i]) {
          continue;
        }
        try {
          OutputStream out = sockets.get(i).getOutputStream();
          // Never the last byte: the request stays incomplete, the client slow.
          out.write(request[sent[i] % (request.length - 1)]);
          sent[i]++;
        } catch (IOException e) {
          dead[i] = true;
          cut.incrementAndGet();
        }
      }
      long left = TimeUnit.SECONDS.toNanos(1) - (System.nanoTime() - round);
      if (left > 0) {
        try {
          TimeUnit.NANOSECONDS.sleep(left);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private static boolean closedByServer(Socket s) {
    try {
      s.setSoTimeout(1);
      return s.getInputStream().read() < 0;
    } catch (java.net.SocketTimeoutException open) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    return s;
  }
}
