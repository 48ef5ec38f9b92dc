import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The held-requests load client of benchmarks/held-requests.sh (run as a single source file, JDK
 * only): opens N held requests on one server, half SSE streams and half long-polls, half of each
 * on one shared channel and the rest each on its own, then measures
 *   - how many Redis pub/sub connections hold them (CLIENT LIST TYPE pubsub),
 *   - broadcast: one publish to the shared channel, latency until each listener has it,
 *   - one-to-one: one publish per own channel, latency each,
 *   - release: clients on own channels leave; time until Redis has let their channels go,
 *   - a normal request's latency (sequential, one connection) before and while the N are held.
 * Every message carries its send time (T<nanos>E), sent and received in this one process.
 *
 * Usage: java HeldLoad.java bridge|nchan BASE_URL REDIS_PORT HELD [GET_PATH]
 * Prints "key value" lines.
 */
public class HeldLoad {

  static final Pattern STAMP = Pattern.compile("T(\\d+)E");
  static String kind;
  static String base;
  static int redisPort;
  static final HttpClient[] CLIENTS = new HttpClient[4];

  /** One held request; records the latency of each stamped message it receives. */
  static final class Held {
    final String channel;
    final boolean stream;
    final CompletableFuture<Integer> headers = new CompletableFuture<>();
    final CompletableFuture<Void> firstEvent = new CompletableFuture<>();
    final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
    final StringBuilder pending = new StringBuilder();
    volatile Flow.Subscription subscription;
    volatile boolean done;

    Held(String channel, boolean stream) {
      this.channel = channel;
      this.stream = stream;
    }

    void received(String text) {
      long now = System.nanoTime();
      synchronized (pending) {
        if (!firstEvent.isDone() && text.indexOf(':') >= 0) {
          firstEvent.complete(null); // "data: subscribe,..." (bridge) or ": hi" (Nchan)
        }
        if (pending.length() == 0 && text.indexOf('T') < 0) {
          return; // a keepalive or an announcement: nothing to time, and kept cheap, as the
                  // client must not be what is measured
        }
        pending.append(text);
        Matcher m = STAMP.matcher(pending);
        int end = 0;
        while (m.find()) {
          latencies.add(now - Long.parseLong(m.group(1)));
          end = m.end();
        }
        if (end > 0) {
          pending.delete(0, end);
        } else if (pending.length() > 4096) {
          pending.delete(0, pending.length() - 64);
        }
      }
    }

    void close() {
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }
  }

  static Held open(int index, String channel, boolean stream) {
    Held held = new Held(channel, stream);
    String path;
    if (kind.equals("bridge")) {
      path = stream ? "/subscribe/" + channel : "/poll/" + channel + "?timeout=110";
    } else {
      path = "/sub/" + channel;
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
    if (stream) {
      request.header("Accept", "text/event-stream");
    }
    HttpClient client = CLIENTS[index % CLIENTS.length];
    client.sendAsync(request.build(), info -> {
      held.headers.complete(info.statusCode());
      return BodySubscribers.fromSubscriber(new Flow.Subscriber<List<ByteBuffer>>() {
        public void onSubscribe(Flow.Subscription s) {
          held.subscription = s;
          s.request(Long.MAX_VALUE);
        }

        public void onNext(List<ByteBuffer> buffers) {
          StringBuilder text = new StringBuilder();
          for (ByteBuffer b : buffers) {
            text.append(StandardCharsets.UTF_8.decode(b));
          }
          held.received(text.toString());
        }

        public void onError(Throwable e) {
          held.done = true;
        }

        public void onComplete() {
          held.done = true;
        }
      });
    }).whenComplete((r, e) -> {
      if (e != null) {
        held.headers.completeExceptionally(e);
        held.done = true;
      }
    });
    return held;
  }

  // ---- Redis, raw RESP -----------------------------------------------------------------------

  static final class Redis implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final OutputStream out;

    Redis(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setTcpNoDelay(true);
      in = new java.io.BufferedInputStream(socket.getInputStream());
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

  static final HttpClient PUBLISHER = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).build();

  static void publish(Redis redis, String channel) throws Exception {
    String payload = "T" + System.nanoTime() + "E";
    if (kind.equals("bridge")) {
      redis.call("PUBLISH", channel, payload);
    } else {
      HttpResponse<Void> r = PUBLISHER.send(HttpRequest.newBuilder(URI.create(base + "/pub/"
          + channel)).POST(HttpRequest.BodyPublishers.ofString(payload)).build(),
          HttpResponse.BodyHandlers.discarding());
      if (r.statusCode() >= 300) {
        throw new IOException("nchan publish " + r.statusCode());
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

  static List<Long> getLatencies(String path, int count) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).build();
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < count + 200; i++) {
      long start = System.nanoTime();
      HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
      long took = System.nanoTime() - start;
      if (r.statusCode() != 200) {
        throw new IOException(path + " -> " + r.statusCode());
      }
      if (i >= 200) { // the first ones warm up
        out.add(took);
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
      Thread.sleep(20);
    }
  }

  public static void main(String[] args) throws Exception {
    kind = args[0];
    base = args[1];
    redisPort = Integer.parseInt(args[2]);
    int n = Integer.parseInt(args[3]);
    String getPath = args.length > 4 ? args[4] : null;
    for (int i = 0; i < CLIENTS.length; i++) {
      CLIENTS[i] = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(20)).build();
    }
    try (Redis redis = new Redis(redisPort)) {
      if (getPath != null) {
        System.out.println("get_idle " + stats(getLatencies(getPath, 2000)));
      }
      int channelsBefore = channelsSubscribed(redis);
      // half streams, half polls; the even ones of each on "all", the odd ones on their own
      List<Held> held = new ArrayList<>();
      long openStart = System.nanoTime();
      for (int i = 0; i < n; i++) {
        boolean stream = i % 2 == 0;
        boolean shared = (i / 2) % 2 == 0;
        held.add(open(i, shared ? "all" : "own" + i, stream));
      }
      for (Held h : held) {
        if (!kind.equals("bridge") && !h.stream) {
          continue; // nchan sends a long-poll's headers only with its message
        }
        int status = h.headers.get(120, TimeUnit.SECONDS);
        if (status != 200) {
          throw new IllegalStateException(h.channel + ": status " + status);
        }
      }
      for (Held h : held) {
        if (h.stream) {
          h.firstEvent.get(120, TimeUnit.SECONDS);
        }
      }
      if (kind.equals("nchan")) {
        await("nchan counts every subscriber", 120, () -> nchanSubscribers() >= n);
      } else {
        await("every channel subscribed", 120, () -> {
          try {
            return channelsSubscribed(redis) - channelsBefore >= n / 2 + 1;
          } catch (IOException e) {
            return false;
          }
        });
      }
      System.out.printf("held %d open in %.1fs%n", n, (System.nanoTime() - openStart) / 1e9);
      System.out.println("pubsub_connections " + pubsubConnections(redis));
      System.out.println("channels_subscribed " + (channelsSubscribed(redis) - channelsBefore));
      if (getPath != null) {
        System.out.println("get_held " + stats(getLatencies(getPath, 2000)));
      }

      // broadcast: the shared channel's listeners (n/2)
      List<Held> shared = held.stream().filter(h -> h.channel.equals("all")).toList();
      publish(redis, "all");
      await("broadcast delivered", 60,
          () -> shared.stream().allMatch(h -> !h.latencies.isEmpty()));
      List<Long> broadcast = new ArrayList<>();
      shared.forEach(h -> broadcast.add(h.latencies.peek()));
      System.out.println("broadcast_listeners " + shared.size());
      System.out.println("broadcast " + stats(broadcast));

      // one-to-one: one publish per own channel, one at a time
      List<Held> own = held.stream().filter(h -> !h.channel.equals("all")).toList();
      for (Held h : own) {
        publish(redis, h.channel);
        Thread.sleep(0, 200_000);
      }
      await("one-to-one delivered", 60, () -> own.stream().allMatch(h -> !h.latencies.isEmpty()));
      List<Long> oneToOne = new ArrayList<>();
      own.forEach(h -> oneToOne.add(h.latencies.peek()));
      System.out.println("one_to_one " + stats(oneToOne));

      // release: the streams on own channels leave (their polls already ended with a message)
      List<Held> leaving = own.stream().filter(h -> h.stream).toList();
      int subscribed = channelsSubscribed(redis);
      if (subscribed - channelsBefore < leaving.size()) {
        System.out.println("release_clients " + leaving.size());
        System.out.println("release n/a (its Redis channels are not in PUBSUB CHANNELS)");
        held.forEach(Held::close);
        System.exit(0);
      }
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
      System.out.println("release_clients " + leaving.size());
      System.out.println("release " + (releasedAfter < 0 ? "not within 10 s (" + (subscribed
          - channelsSubscribed(redis)) + " of " + leaving.size() + " channels released)"
          : String.format("%.0fms", releasedAfter / 1e6)));
      held.forEach(Held::close);
    }
    System.exit(0);
  }

  static int nchanSubscribers() {
    try {
      String status = PUBLISHER.send(HttpRequest.newBuilder(URI.create(base + "/nchan_status"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      Matcher m = Pattern.compile("subscribers: (\\d+)").matcher(status);
      return m.find() ? Integer.parseInt(m.group(1)) : -1;
    } catch (Exception e) {
      return -1;
    }
  }
}
