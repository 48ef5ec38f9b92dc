package io.github.resilientredis.it.bridgefaults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.bridgefaults.FuzzCases.Case;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * Thousands of malformed requests from a seeded generator: random bytes in paths, JSON-ish bodies,
 * mutated Upstash and Webdis requests, random methods and headers, sent over raw sockets and
 * {@link java.net.http.HttpClient}. Invariants for every reply: a status under 500 (503 and 504
 * only when Redis is slow), a JSON {@code {"error": ...}} body on every non-2xx reply that has a
 * body, valid JSON wherever the reply says JSON, within 5 s; the server never stops answering; and
 * afterwards it serves a SET/GET round trip and a canary key is intact.
 *
 * <p>The cases come from {@link FuzzCases}. The seed is fixed by default, so the build is
 * reproducible; {@code -Dfuzz.seed=S} replays another run and {@code -Dfuzz.seed=random} draws a
 * new one (the seed is logged; each case is generated from the seed and its index alone, so a
 * failing case replays whatever the threads did); {@code -Dfuzz.cases=N} (default 5000) and
 * {@code -Dfuzz.seconds=T} (default 30) bound it.
 */
class BridgeFuzzIT {

  private static final Logger log = LoggerFactory.getLogger(BridgeFuzzIT.class);
  private static final String TOKEN = FuzzCases.TOKEN;
  private static final int MAX_BODY = FuzzCases.MAX_BODY;
  private static final Duration DEADLINE = Duration.ofSeconds(5);
  private static final int THREADS = 4;
  private static final int KEPT_VIOLATIONS = 10;

  private static GenericContainer<?> redis;
  private static RedisHttpBridge bridge;
  private static BridgeClient http;
  /** Which HTTP server parses the requests (README, "Which HTTP server"). */
  private static boolean robahoParses;

  @BeforeAll
  static void start() {
    BridgeClient.init();
    redis = RedisContainers.redis();
    redis.start();
    bridge = RedisHttpBridge.builder().redis(RedisContainers.uri(redis)).port(0).tokens(TOKEN)
        .maxBody(MAX_BODY).maxUrl(2048).maxArgs(64).maxPipeline(16)
        .commandTimeout(Duration.ofSeconds(2)).maxBlock(Duration.ofMillis(500))
        .maxConcurrent(32).start();
    http = new BridgeClient(bridge.url(), TOKEN);
    robahoParses = bridge.describe().contains("HTTP server: robaho's");
  }

  @AfterAll
  static void stop() {
    if (bridge != null) {
      bridge.close();
    }
    if (redis != null) {
      redis.stop();
    }
  }

  /** What came back. {@code status} -1: closed without a reply. */
  private record Outcome(int status, String contentType, String connection, byte[] body,
      long millis) {}

  /** A seed whose 5000 cases cover every kind of input; any other one replays with -Dfuzz.seed. */
  private static final long DEFAULT_SEED = 6056984071813L;

  @Test
  void malformedRequestsNeverBreakTheBridge() throws Exception {
    // A fixed default keeps the build reproducible; -Dfuzz.seed=random explores new inputs.
    String seedSetting = System.getProperty("fuzz.seed", Long.toString(DEFAULT_SEED));
    long seed = seedSetting.equals("random") ? System.nanoTime() : Long.parseLong(seedSetting);
    int cases = Integer.getInteger("fuzz.cases", 5000);
    long seconds = Long.getLong("fuzz.seconds", 30);
    log.info("fuzz: seed {} (replay with -Dfuzz.seed={}), up to {} cases in {} s", seed, seed,
        cases, seconds);
    http.post("/", "[\"SET\",\"fz-canary\",\"alive\"]").expect(200);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);

    AtomicInteger next = new AtomicInteger();
    AtomicBoolean done = new AtomicBoolean();
    List<String> violations = Collections.synchronizedList(new ArrayList<>());
    LongAdder violationCount = new LongAdder();
    Map<String, LongAdder> statuses = new ConcurrentHashMap<>();
    AtomicLong slowest = new AtomicLong();
    ExecutorService threads = Executors.newFixedThreadPool(THREADS + 1);
    // The server never stops answering: a PING from the side every 200 ms, each within 2 s.
    Future<Integer> watcher = threads.submit(() -> {
      int pings = 0;
      while (!done.get() && pings < 10_000) {
        long start = System.nanoTime();
        BridgeClient.Reply pong;
        try {
          pong = http.trySend("GET", "/PING", null, DEADLINE);
        } catch (IOException e) {
          throw new AssertionError("the bridge stopped answering during the fuzz run", e);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, pong.status(), pong::toString);
        assertTrue(millis < 2_000, "a PING beside the fuzz run took " + millis + " ms");
        pings++;
        Thread.sleep(200);
      }
      return pings;
    });
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      workers.add(threads.submit(() -> {
        for (int i = next.getAndIncrement(); i < cases && System.nanoTime() < deadline;
            i = next.getAndIncrement()) {
          Case c = FuzzCases.generate(new Random(FuzzCases.caseSeed(seed, i)));
          String problem;
          Outcome outcome = null;
          try {
            outcome = send(c);
            problem = check(c, outcome);
          } catch (IOException | RuntimeException e) {
            problem = "no reply: " + e;
          }
          if (outcome != null) {
            statuses.computeIfAbsent(c.kind() + " " + outcome.status(), k -> new LongAdder())
                .increment();
            slowest.accumulateAndGet(outcome.millis(), Math::max);
          }
          if (problem != null) {
            violationCount.increment();
            if (violations.size() < KEPT_VIOLATIONS) {
              violations.add("case " + i + ": " + problem + "\n    request: " + c.shown()
                  + (outcome == null ? "" : "\n    reply: " + outcome.status() + " "
                      + outcome.contentType() + " " + RawHttp.shown(outcome.body(), 300)));
            }
          }
        }
        return null;
      }));
    }
    for (Future<?> w : workers) {
      w.get(seconds + 60, TimeUnit.SECONDS);
    }
    done.set(true);
    int pings = watcher.get(30, TimeUnit.SECONDS);
    threads.shutdown();
    int ran = Math.min(next.get(), cases);
    log.info("fuzz: seed {}: {} cases, {} violations, slowest reply {} ms, {} side PINGs; {}",
        seed, ran, violationCount.sum(), slowest.get(), pings, new java.util.TreeMap<>(statuses));

    assertTrue(violations.isEmpty(), () -> violationCount.sum() + " of " + ran
        + " cases broke an invariant (seed " + seed + "):\n  " + String.join("\n  ", violations));
    assertTrue(ran >= Math.min(cases, 500), "only " + ran + " cases ran in " + seconds + " s");
    http.get("/health").expect(200);
    http.assertServes("fz:after");
    assertEquals("alive", RedisProbe.get(redis, "fz-canary"), "a refused command changed data");
    assertTrue(http.get("/metrics").expect(200).body().contains("bridge_requests_total"));
  }

  /** Null when the reply keeps every invariant, else what it broke. */
  private static String check(Case c, Outcome o) {
    if (o.millis() > DEADLINE.toMillis()) {
      return "reply after " + o.millis() + " ms";
    }
    if (o.status() < 0) {
      // HTTP allows a close only for bytes that are not an HTTP request at all, and the JDK's
      // parser closes a CONNECT whose target is no host:port without a reply (seed 6056984071813,
      // case 3595: "CONNECT ET:k/v"); the bridge never sees either.
      return c.kind().equals("garbage") || c.isConnect()
          || robahoParses && c.hasBadHeaderName() ? null : "closed without a reply";
    }
    boolean jdkParser = o.status() >= 400 && "text/html".equals(o.contentType())
        && new String(o.body(), StandardCharsets.ISO_8859_1).startsWith("<h1>")
        && "close".equalsIgnoreCase(o.connection());
    if (jdkParser) {
      // Refused by the JDK's request parser before the bridge saw it (bad request line, bad
      // header, unsupported transfer coding); the JDK answers with its own HTML and closes.
      return o.status() < 500 || o.status() == 501 ? null : "JDK parser status " + o.status();
    }
    if (o.status() >= 500 && o.status() != 503 && o.status() != 504) {
      return "status " + o.status();
    }
    boolean json = o.contentType() != null && o.contentType().startsWith("application/json");
    if (json && o.body().length > 0) {
      try {
        JsonParser.parseString(new String(o.body(), StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        return "a JSON content type with a body that is not JSON";
      }
    }
    if (o.status() >= 300 && o.body().length > 0) {
      try {
        BridgeClient.errorText(o.contentType(), o.body());
      } catch (AssertionError e) {
        return "error body: " + e.getMessage();
      }
    }
    return null;
  }

  private static Outcome send(Case c) throws IOException {
    if (c.raw() != null) {
      try (Socket socket = RawHttp.connect(http.port, DEADLINE)) {
        long start = System.nanoTime();
        RawHttp.send(socket, c.raw());
        if (c.kind().equals("garbage")) {
          socket.shutdownOutput(); // nothing more is coming: the server must not wait for it
        }
        boolean head = c.raw().length > 5 && new String(c.raw(), 0, 5,
            StandardCharsets.ISO_8859_1).equals("HEAD ");
        RawHttp.Reply r = RawHttp.read(socket, start, DEADLINE, head);
        return new Outcome(r.status(), r.header("Content-Type"), r.header("Connection"), r.body(),
            r.millis());
      }
    }
    BridgeClient.Reply r = http.trySend(c.method(), c.path(), c.body(), DEADLINE,
        c.headers().toArray(String[]::new));
    return new Outcome(r.status(), r.header("Content-Type"), r.header("Connection"), r.bytes(),
        r.millis());
  }
}
