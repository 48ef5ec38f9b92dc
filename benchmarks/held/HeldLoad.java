import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The held-requests load client of benchmarks/held-requests.sh (run as a single source file, JDK
 * only): opens N held requests on one server, half SSE streams and half long-polls, half of each
 * on one shared channel and the rest each on its own, then measures
 *   - how many Redis pub/sub connections hold them (CLIENT LIST TYPE pubsub),
 *   - broadcast: one publish to the shared channel, latency until each listener has it,
 *     and until each long-poll's reply is complete (what a client reading whole replies waits
 *     for); the server's CPU until half a second after, less what it spends idle,
 *   - one-to-one: one publish per own channel, latency each (and to each long-poll's end),
 *   - release: clients on own channels leave; time until Redis has let their channels go,
 *   - a normal request's latency (sequential, one connection) before and while the N are held.
 * Every message carries its send time (T<nanos>E), sent and received in this one process.
 *
 * <p>The client must cost less than what it measures: the N held requests are plain non-blocking
 * sockets read by ONE selector thread, which scans the raw bytes for the stamp (no HTTP library,
 * no per-read allocation), and stamps are timed at the read that completes them. Its own CPU is
 * reported (client_cpu), so a run shows whether the client could have bounded the figures.
 *
 * Usage: java HeldLoad.java bridge|nchan BASE_URL REDIS_PORT HELD [GET_PATH]
 * Prints "key value" lines.
 */
public class HeldLoad {

  static String kind;
  static String host;
  static int port;
  static int redisPort;

  /** The end of a chunked body, after the last chunk's data. */
  static final String LAST_CHUNK = "\r\n0\r\n\r\n";

  /** One held request, owned by the selector thread; the fields others read are volatile. */
  static final class Held {
    final String channel;
    final boolean stream;
    SocketChannel socket;
    volatile int status; // 0 until the status line arrived
    volatile boolean firstEvent;
    volatile long latency = -1; // of the first stamped message
    /**
     * A long-poll's: until its reply was complete, which is when a client that reads the whole
     * reply (fetch's json(), say) has the message: the last chunk of a chunked reply, or the
     * stamp itself where the message is the body (Nchan's replies).
     */
    volatile long completed = -1;
    volatile boolean ended;
    // parser state (selector thread only)
    int statusDigits; // status line bytes seen, up to 12 ("HTTP/1.1 200")
    int headerEnd; // how much of "\r\n\r\n" matched; 4 once the headers are over
    int stamp; // 0: looking for 'T', 1: in the digits
    long nanos;
    int digits;
    long stampNanos;
    int chunkedMatch; // how much of "chunked" matched in the headers
    boolean chunked;
    int lastChunkMatch; // how much of LAST_CHUNK matched after the stamp

    Held(String channel, boolean stream) {
      this.channel = channel;
      this.stream = stream;
    }

    void scan(ByteBuffer b, long now) {
      for (int i = b.position(), end = b.limit(); i < end; i++) {
        byte c = b.get(i);
        if (statusDigits < 12) {
          statusDigits++;
          if (statusDigits >= 10) {
            status = status * 10 + (c - '0');
          }
          continue;
        }
        if (headerEnd < 4) {
          headerEnd = c == "\r\n\r\n".charAt(headerEnd) ? headerEnd + 1 : c == '\r' ? 1 : 0;
          char lower = Character.toLowerCase((char) c);
          chunkedMatch = lower == "chunked".charAt(chunkedMatch) ? chunkedMatch + 1
              : lower == 'c' ? 1 : 0;
          if (chunkedMatch == "chunked".length()) {
            chunked = true;
            chunkedMatch = 0;
          }
          continue;
        }
        if (!stream && latency >= 0 && completed < 0) {
          lastChunkMatch = c == LAST_CHUNK.charAt(lastChunkMatch) ? lastChunkMatch + 1
              : c == '\r' ? 1 : 0;
          if (lastChunkMatch == LAST_CHUNK.length()) {
            completed = now - stampNanos;
          }
        }
        if (c == ':') {
          firstEvent = true; // "data: subscribe,..." (bridge) or ": hi" (Nchan)
        }
        if (stamp == 1 && c >= '0' && c <= '9') {
          nanos = nanos * 10 + (c - '0');
          digits++;
        } else if (stamp == 1 && c == 'E' && digits >= 6) {
          if (latency < 0) {
            latency = now - nanos;
            stampNanos = nanos;
            if (!stream && !chunked) {
              completed = latency;
            }
          }
          stamp = 0;
        } else if (c == 'T') {
          stamp = 1;
          nanos = 0;
          digits = 0;
        } else {
          stamp = 0;
        }
      }
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // gone already
      }
    }
  }

  /** Reads every held request on one thread. */
  static final class Reader extends Thread {
    final Selector selector;
    final ConcurrentLinkedQueue<Held> incoming = new ConcurrentLinkedQueue<>();
    volatile boolean running = true;

    Reader() throws IOException {
      super("held-reader");
      setDaemon(true);
      selector = Selector.open();
    }

    void add(Held held) {
      incoming.add(held);
      selector.wakeup();
    }

    @Override
    public void run() {
      ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
      try {
        while (running) {
          selector.select(50);
          for (Held h; (h = incoming.poll()) != null; ) {
            h.socket.register(selector, SelectionKey.OP_READ, h);
          }
          for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
            SelectionKey key = it.next();
            it.remove();
            Held h = (Held) key.attachment();
            try {
              while (true) {
                buffer.clear();
                int n = h.socket.read(buffer);
                if (n < 0) {
                  h.ended = true;
                  key.cancel();
                  h.close();
                  break;
                }
                if (n == 0) {
                  break;
                }
                buffer.flip();
                h.scan(buffer, System.nanoTime());
              }
            } catch (IOException e) {
              h.ended = true;
              key.cancel();
            }
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  static Held open(Reader reader, String channel, boolean stream) throws IOException {
    Held held = new Held(channel, stream);
    String path;
    if (kind.equals("bridge")) {
      path = stream ? "/subscribe/" + channel : "/poll/" + channel + "?timeout=110";
    } else {
      path = "/sub/" + channel;
    }
    String request = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
        + (stream ? "Accept: text/event-stream\r\n" : "") + "\r\n";
    held.socket = SocketChannel.open(new InetSocketAddress(host, port));
    held.socket.socket().setTcpNoDelay(true);
    held.socket.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
    held.socket.configureBlocking(false);
    reader.add(held);
    return held;
  }

  // ---- one-connection HTTP/1.1 client for the normal GETs and Nchan's publisher ---------------

  static final class Http implements AutoCloseable {
    Socket socket;
    InputStream in;
    OutputStream out;
    boolean closing;

    Http() throws IOException {
      connect();
    }

    private void connect() throws IOException {
      socket = new Socket(host, port);
      socket.setTcpNoDelay(true);
      in = new BufferedInputStream(socket.getInputStream());
      out = socket.getOutputStream();
      closing = false;
    }

    /**
     * Sends one request, reads the whole reply; returns its status. A connection the server
     * closes (nginx does after keepalive_requests, 1,000) is opened again.
     */
    int call(String method, String path, String body) throws IOException {
      if (closing) {
        socket.close();
        connect();
      }
      return exchange(method, path, body);
    }

    private int exchange(String method, String path, String body) throws IOException {
      byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      String head = method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
          + (body == null ? "" : "Content-Length: " + b.length + "\r\n") + "\r\n";
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(b);
      out.flush();
      String statusLine = line();
      int status = Integer.parseInt(statusLine.substring(9, 12));
      long length = 0;
      boolean chunked = false;
      for (String h; !(h = line()).isEmpty(); ) {
        String lower = h.toLowerCase();
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(h.substring(15).strip());
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        } else if (lower.startsWith("connection:") && lower.contains("close")) {
          closing = true;
        }
      }
      if (chunked) {
        for (long n; (n = Long.parseLong(line().strip(), 16)) > 0; ) {
          in.readNBytes((int) n + 2);
        }
        line();
      } else {
        in.readNBytes((int) length);
      }
      return status;
    }

    String body(String path) throws IOException {
      // only for the small status page: a second reader would be overkill
      try (Socket s = new Socket(host, port)) {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close"
            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      }
    }

    String line() throws IOException {
      StringBuilder sb = new StringBuilder();
      int c;
      while ((c = in.read()) != '\n') {
        if (c < 0) {
          throw new IOException("closed");
        }
        if (c != '\r') {
          sb.append((char) c);
        }
      }
      return sb.toString();
    }

    public void close() throws IOException {
      socket.close();
    }
  }

  // ---- Redis, raw RESP -----------------------------------------------------------------------

  static final class Redis implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final OutputStream out;

    Redis(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setTcpNoDelay(true);
      in = new BufferedInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    Object call(String... args) throws IOException {
      StringBuilder sb = new StringBuilder("*" + args.length + "\r\n");
      for (String a : args) {
        byte[] b = a.getBytes(StandardCharsets.UTF_8);
        sb.append('$').append(b.length).append("\r\n").append(a).append("\r\n");
      }
      out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      return read();
    }

    Object read() throws IOException {
      int t = in.read();
      String line = line();
      switch (t) {
        case '+': case '-': return line;
        case ':': return Long.parseLong(line);
        case '$': {
          int n = Integer.parseInt(line);
          if (n < 0) {
            return null;
          }
          byte[] b = in.readNBytes(n + 2);
          return new String(b, 0, n, StandardCharsets.UTF_8);
        }
        case '*': {
          int n = Integer.parseInt(line);
          List<Object> items = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            items.add(read());
          }
          return items;
        }
        default: throw new IOException("bad reply " + t);
      }
    }

    String line() throws IOException {
      StringBuilder sb = new StringBuilder();
      int c;
      while ((c = in.read()) != '\r') {
        if (c < 0) {
          throw new IOException("closed");
        }
        sb.append((char) c);
      }
      in.read();
      return sb.toString();
    }

    public void close() throws IOException {
      socket.close();
    }
  }

  static void publish(Redis redis, Http publisher, String channel) throws IOException {
    String payload = "T" + System.nanoTime() + "E";
    if (kind.equals("bridge")) {
      redis.call("PUBLISH", channel, payload);
    } else {
      int status = publisher.call("POST", "/pub/" + channel, payload);
      if (status >= 300) {
        throw new IOException("nchan publish " + status);
      }
    }
  }

  static int pubsubConnections(Redis redis) throws IOException {
    String list = (String) redis.call("CLIENT", "LIST", "TYPE", "pubsub");
    return (int) list.lines().filter(l -> !l.isBlank()).count();
  }

  /** Channels subscribed in Redis, plain and sharded (Nchan may use either). */
  static int channelsSubscribed(Redis redis) throws IOException {
    return ((List<?>) redis.call("PUBSUB", "CHANNELS")).size()
        + ((List<?>) redis.call("PUBSUB", "SHARDCHANNELS")).size();
  }

  static String stats(List<Long> nanos) {
    if (nanos.isEmpty()) {
      return "n=0";
    }
    long[] a = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    return String.format("n=%d p50=%.2fms p99=%.2fms max=%.2fms", a.length, a[a.length / 2] / 1e6,
        a[(int) Math.min(a.length - 1, Math.ceil(a.length * 0.99) - 1)] / 1e6, a[a.length - 1] / 1e6);
  }

  static List<Long> getLatencies(String path, int count) throws IOException {
    List<Long> out = new ArrayList<>();
    try (Http http = new Http()) {
      for (int i = 0; i < count + 200; i++) {
        long start = System.nanoTime();
        int status = http.call("GET", path, null);
        long took = System.nanoTime() - start;
        if (status != 200) {
          throw new IOException(path + " -> " + status);
        }
        if (i >= 200) { // the first ones warm up
          out.add(took);
        }
      }
    }
    return out;
  }

  static void await(String what, long seconds, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out: " + what);
      }
      Thread.sleep(5);
    }
  }

  /** CPU seconds used so far by the server's processes (SERVER_PIDS, comma separated), or -1. */
  static double serverCpu() {
    String pids = System.getenv("SERVER_PIDS");
    if (pids == null || pids.isBlank()) {
      return -1;
    }
    double seconds = 0;
    for (String pid : pids.split(",")) {
      try {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", pid.strip(),
            "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        seconds += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime ticks
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
    return seconds;
  }

  /** CPU seconds of this process, and of the reader thread. */
  @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+; this runs on 17 too
  static double[] cpu(Reader reader) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long process = ((com.sun.management.OperatingSystemMXBean)
        ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    return new double[] {process / 1e9, threads.getThreadCpuTime(reader.getId()) / 1e9};
  }

  public static void main(String[] args) throws Exception {
    kind = args[0];
    URI base = URI.create(args[1]);
    host = base.getHost();
    port = base.getPort();
    redisPort = Integer.parseInt(args[2]);
    int n = Integer.parseInt(args[3]);
    String getPath = args.length > 4 ? args[4] : null;
    Reader reader = new Reader();
    reader.start();
    try (Redis redis = new Redis(redisPort); Http publisher = new Http()) {
      warmUp(reader, redis, publisher, Math.min(n, 2000));
      if (getPath != null) {
        System.out.println("get_idle " + stats(getLatencies(getPath, 2000)));
      }
      // The same round twice; the second is the one reported. A JVM deoptimizes, once, the
      // compiled code that thousands of parked requests hold on their stacks when a path they
      // return through is first taken (closing one of 20,000 sockets, say): each pays it as it
      // returns. A server that has held this many before has paid it; the first round shows it.
      measure(reader, redis, publisher, n, getPath, "r1", "first_round.");
      measure(reader, redis, publisher, n, getPath, "r2", "");
      double[] total = cpu(reader);
      System.out.printf("client_cpu_total %.1f s (reader thread %.1f s)%n", total[0], total[1]);
      reader.running = false;
    }
    System.exit(0);
  }

  /**
   * One measured round: N held requests on channels named with {@code prefix}, then broadcast,
   * one-to-one and release; every line printed starts with {@code tag}. All are closed after.
   */
  static void measure(Reader reader, Redis redis, Http publisher, int n, String getPath,
      String prefix, String tag) throws Exception {
    java.io.PrintStream out = System.out;
    int channelsBefore = channelsSubscribed(redis);
    // half streams, half polls; the even ones of each on prefix + "all", the odd ones on their own
    List<Held> held = new ArrayList<>();
    long openStart = System.nanoTime();
    for (int i = 0; i < n; i++) {
      boolean stream = i % 2 == 0;
      boolean shared = (i / 2) % 2 == 0;
      held.add(open(reader, shared ? prefix + "all" : prefix + "own" + i, stream));
      if (i % 500 == 499) {
        // At most 1,000 waiting for their headers: clients arrive fast, not all in one instant
        // (the bridge answers 503 beyond max-queued, 1,024, requests waiting for a turn).
        await("headers", 120, () -> held.stream().filter(h -> h.status == 0 && !h.ended
            && (h.stream || kind.equals("bridge"))).count() < 1000);
      }
    }
    for (Held h : held) {
      if (!kind.equals("bridge") && !h.stream) {
        continue; // nchan sends a long-poll's headers only with its message
      }
      await("headers of " + h.channel, 120, () -> h.status != 0 || h.ended);
      if (h.status != 200) {
        throw new IllegalStateException(h.channel + ": status " + h.status);
      }
    }
    for (Held h : held) {
      if (h.stream) {
        await("first event of " + h.channel, 120, () -> h.firstEvent);
      }
    }
    if (kind.equals("nchan")) {
      await("nchan counts every subscriber", 120, () -> nchanSubscribers(publisher) >= n);
    } else {
      await("every channel subscribed", 120, () -> {
        try {
          return channelsSubscribed(redis) - channelsBefore >= n / 2 + 1;
        } catch (IOException e) {
          return false;
        }
      });
    }
    out.printf(tag + "held %d open in %.1fs%n", n, (System.nanoTime() - openStart) / 1e9);
    out.println(tag + "pubsub_connections " + pubsubConnections(redis));
    out.println(tag + "channels_subscribed " + (channelsSubscribed(redis) - channelsBefore));
    if (getPath != null) {
      out.println(tag + "get_held " + stats(getLatencies(getPath, 2000)));
    }
    double idle0 = serverCpu();
    Thread.sleep(2000); // let the server settle before the timed part
    double idle = (serverCpu() - idle0) / 2;

    // broadcast: the shared channel's listeners (n/2)
    List<Held> shared = held.stream().filter(h -> h.channel.equals(prefix + "all")).toList();
    double[] cpu0 = cpu(reader);
    double server0 = serverCpu();
    long t0 = System.nanoTime();
    publish(redis, publisher, prefix + "all");
    await("broadcast delivered", 60, () -> shared.stream().allMatch(h -> h.latency >= 0));
    double[] cpu1 = cpu(reader);
    double wall = (System.nanoTime() - t0) / 1e9;
    List<Long> broadcast = new ArrayList<>();
    shared.forEach(h -> broadcast.add(h.latency));
    out.println(tag + "broadcast_listeners " + shared.size());
    out.println(tag + "broadcast " + stats(broadcast));
    List<Long> sse = new ArrayList<>();
    List<Long> polls = new ArrayList<>();
    shared.forEach(h -> (h.stream ? sse : polls).add(h.latency));
    out.println(tag + "broadcast_by_kind streams " + stats(sse) + "; polls " + stats(polls));
    await("broadcast's long-polls complete", 60, () -> shared.stream().allMatch(h -> h.stream
        || h.completed >= 0));
    out.println(tag + "broadcast_poll_replies_complete " + stats(shared.stream()
        .filter(h -> !h.stream).map(h -> h.completed).toList()));
    // what the server does once every reply is out (ending 2,500 exchanges) counts too
    Thread.sleep(500);
    double server1 = serverCpu() - idle * 0.5;
    String broadcastCpu = String.format("%.0f ms of CPU in %.0f ms (reader thread %.0f ms)",
        (cpu1[0] - cpu0[0]) * 1e3, wall * 1e3, (cpu1[1] - cpu0[1]) * 1e3);

    // one-to-one: one publish per own channel, one at a time, once the broadcast's aftermath
    // (thousands of long-polls ending, their connections closing) has passed, as before the
    // broadcast: each part is timed from a settled server
    Thread.sleep(2000);
    List<Held> own = held.stream().filter(h -> !h.channel.equals(prefix + "all")).toList();
    cpu0 = cpu(reader);
    double server2 = serverCpu();
    t0 = System.nanoTime();
    for (Held h : own) {
      publish(redis, publisher, h.channel);
      java.util.concurrent.locks.LockSupport.parkNanos(200_000); // never a spin: 2 cores
    }
    await("one-to-one delivered", 60, () -> own.stream().allMatch(h -> h.latency >= 0));
    cpu1 = cpu(reader);
    double server3 = serverCpu();
    wall = (System.nanoTime() - t0) / 1e9;
    List<Long> oneToOne = new ArrayList<>();
    own.forEach(h -> oneToOne.add(h.latency));
    out.println(tag + "one_to_one " + stats(oneToOne));
    List<Long> ownStreams = new ArrayList<>();
    List<Long> ownPolls = new ArrayList<>();
    own.forEach(h -> (h.stream ? ownStreams : ownPolls).add(h.latency));
    out.println(tag + "one_to_one_by_kind streams " + stats(ownStreams) + "; polls "
        + stats(ownPolls));
    await("one-to-one long-polls complete", 60, () -> own.stream().allMatch(h -> h.stream
        || h.completed >= 0));
    out.println(tag + "one_to_one_poll_replies_complete " + stats(own.stream()
        .filter(h -> !h.stream).map(h -> h.completed).toList()));
    if (server0 >= 0) {
      out.printf(tag + "server_cpu broadcast: %.0f ms; one-to-one: %.0f ms for %d messages;"
          + " holding them idle: %.0f ms a second%n", (server1 - server0) * 1e3,
          (server3 - server2) * 1e3, own.size(), idle * 1e3);
    }
    out.printf(tag + "client_cpu broadcast: %s; one-to-one: reader thread %.0f ms in %.0f ms"
        + "%n", broadcastCpu, (cpu1[1] - cpu0[1]) * 1e3, wall * 1e3);

    // release: the streams on own channels leave (their polls already ended with a message)
    List<Held> leaving = own.stream().filter(h -> h.stream).toList();
    int subscribed = channelsSubscribed(redis);
    out.println(tag + "release_clients " + leaving.size());
    if (subscribed - channelsBefore < leaving.size()) {
      out.println(tag + "release n/a (its Redis channels are not in PUBSUB CHANNELS)");
    } else {
      long closed = System.nanoTime();
      leaving.forEach(Held::close);
      long releasedAfter = -1;
      while (System.nanoTime() - closed < TimeUnit.SECONDS.toNanos(10)) {
        if (channelsSubscribed(redis) <= subscribed - leaving.size()) {
          releasedAfter = System.nanoTime() - closed;
          break;
        }
        Thread.sleep(10);
      }
      out.println(tag + "release " + (releasedAfter < 0 ? "not within 10 s (" + (subscribed
          - channelsSubscribed(redis)) + " of " + leaving.size() + " channels released)"
          : String.format("%.0fms", releasedAfter / 1e6)));
    }
    held.forEach(Held::close);
    if (kind.equals("bridge")) {
      await("every channel released", 60, () -> {
        try {
          return channelsSubscribed(redis) <= channelsBefore;
        } catch (IOException e) {
          return false;
        }
      });
    } else {
      await("nchan lets every subscriber go", 60, () -> nchanSubscribers(publisher) == 0);
    }
  }

  /**
   * Runs the measured sequence five times at a small scale first (held requests on other
   * channels, opened, published to, closed): a server that has been up a while runs compiled
   * code, and the first broadcast would otherwise time a JIT compiler at work (on a JVM, C2
   * threads took a third of the CPU during a cold broadcast here). Nchan gets the same.
   */
  static void warmUp(Reader reader, Redis redis, Http publisher, int n) throws Exception {
    long start = System.nanoTime();
    for (int round = 0; round < 5; round++) {
      // new names each round: Nchan keeps a channel's messages and hands them to new subscribers
      String shared = "warm" + round;
      List<Held> held = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        boolean stream = i % 2 == 0;
        held.add(open(reader, (i / 2) % 2 == 0 ? shared : shared + "x" + i, stream));
      }
      for (Held h : held) {
        if (h.stream || kind.equals("bridge")) {
          await("warm-up headers", 120, () -> h.status != 0 || h.ended);
        }
        if (h.stream) {
          await("warm-up first event", 120, () -> h.firstEvent);
        }
      }
      if (kind.equals("nchan")) {
        await("nchan counts the warm-up subscribers", 120,
            () -> nchanSubscribers(publisher) >= n);
      }
      publish(redis, publisher, shared);
      for (Held h : held) {
        if (!h.channel.equals(shared)) {
          publish(redis, publisher, h.channel);
        }
      }
      await("warm-up delivered", 60, () -> held.stream().allMatch(h -> h.latency >= 0));
      held.forEach(Held::close);
      if (kind.equals("bridge")) {
        await("warm-up channels released", 60, () -> {
          try {
            return channelsSubscribed(redis) == 0;
          } catch (IOException e) {
            return false;
          }
        });
      } else {
        await("nchan lets the warm-up subscribers go", 60,
            () -> nchanSubscribers(publisher) == 0);
      }
    }
    System.out.printf("warm_up 5 rounds of %d held requests in %.1fs%n", n,
        (System.nanoTime() - start) / 1e9);
  }

  static int nchanSubscribers(Http http) {
    try {
      Matcher m = Pattern.compile("subscribers: (\\d+)").matcher(http.body("/nchan_status"));
      return m.find() ? Integer.parseInt(m.group(1)) : -1;
    } catch (IOException e) {
      return -1;
    }
  }
}
