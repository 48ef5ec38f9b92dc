package io.github.resilientredis.it.bridgefaults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import java.io.ByteArrayOutputStream;
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
 * <p>The seed is fixed by default, so the build is reproducible; {@code -Dfuzz.seed=S} replays
 * another run and {@code -Dfuzz.seed=random} draws a new one (the seed is logged; each case is
 * generated from the seed and its index alone, so a failing case replays whatever the threads
 * did); {@code -Dfuzz.cases=N}
 * (default 5000) and {@code -Dfuzz.seconds=T} (default 30) bound it.
 */
class BridgeFuzzIT {

  private static final Logger log = LoggerFactory.getLogger(BridgeFuzzIT.class);
  private static final String TOKEN = "fuzz-token";
  private static final int MAX_BODY = 8192;
  private static final Duration DEADLINE = Duration.ofSeconds(5);
  private static final int THREADS = 4;
  private static final int KEPT_VIOLATIONS = 10;

  /**
   * Commands the generator starts from and mutates: harmless ones on {@code fz:} keys, and ones the
   * bridge must refuse (dangerous, connection state) whose effect the canary would show.
   */
  private static final String[][] VOCABULARY = {
      {"GET", "fz:k"}, {"SET", "fz:k", "v"}, {"SET", "fz:k", "v", "EX", "100"}, {"INCR", "fz:n"},
      {"INCRBY", "fz:n", "5"}, {"DEL", "fz:k"}, {"EXISTS", "fz:k"}, {"MGET", "fz:k", "fz:n"},
      {"HSET", "fz:h", "f", "v"}, {"HGETALL", "fz:h"}, {"LPUSH", "fz:l", "a"},
      {"LRANGE", "fz:l", "0", "-1"}, {"SADD", "fz:s", "m"}, {"SMEMBERS", "fz:s"}, {"PING"},
      {"ECHO", "hi"}, {"STRLEN", "fz:k"}, {"TYPE", "fz:k"}, {"EXPIRE", "fz:k", "100"},
      {"TTL", "fz:k"}, {"APPEND", "fz:k", "x"}, {"GETRANGE", "fz:k", "0", "3"},
      {"ZADD", "fz:z", "1", "m"}, {"ZRANGE", "fz:z", "0", "-1", "WITHSCORES"},
      {"BLPOP", "fz:q", "1"}, {"PUBLISH", "fz:ch", "m"}, {"DBSIZE"}, {"KEYS", "fz:*"},
      {"FLUSHALL"}, {"FLUSHDB"}, {"CONFIG", "SET", "maxmemory", "1"}, {"SELECT", "1"},
      {"MULTI"}, {"UNSUBSCRIBE", "fz:ch"}};
  private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS",
      "PATCH", "TRACE", "CONNECT", "get", "FOO", "M-SEARCH"};
  private static final String[] PATHS = {"/", "/pipeline", "/multi-exec", "/health", "/ready",
      "/metrics", "/0/GET/fz:k", "/15/GET/fz:k", "/99/GET/fz:k"};
  private static final String[] HEADER_NAMES = {"Content-Type", "Upstash-Encoding",
      "If-None-Match", "Authorization", "Accept", "Accept-Encoding", "Expect", "X-Forwarded-For",
      "Cookie", "Range", "Transfer-Encoding", "Connection", "Upstash-Sync-Token", "X-Fuzz"};
  private static final String[] HEADER_VALUES = {"application/json", "text/plain", "base64",
      "BASE64", "*", "\"abc\"", "W/\"x\"", "Bearer " + TOKEN, "Bearer nope", "Basic Zm9vOmJhcg==",
      "gzip", "identity", "close", "keep-alive", "100-continue", "bytes=0-1", "", " ",
      "application/json; charset=latin1"};

  private static GenericContainer<?> redis;
  private static RedisHttpBridge bridge;
  private static BridgeClient http;

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

  /** One generated request: raw bytes for a socket, or a request HttpClient can send. */
  private record Case(String kind, byte[] raw, String method, String path, byte[] body,
      List<String> headers) {

    String shown() {
      return raw != null ? kind + " " + RawHttp.shown(raw, 400)
          : kind + " " + method + " " + path + " " + headers + " "
              + RawHttp.shown(body == null ? new byte[0] : body, 300);
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
          Case c = generate(new Random(caseSeed(seed, i)));
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

  private static boolean isConnect(Case c) {
    return "CONNECT".equals(c.method()) || c.raw() != null
        && new String(c.raw(), StandardCharsets.ISO_8859_1).startsWith("CONNECT ")
        || c.path() != null && c.path().startsWith("CONNECT ");
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
      return c.kind().equals("garbage") || isConnect(c) ? null : "closed without a reply";
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

  // ---- the generator: everything below depends only on the Random it is given ----

  /**
   * The seed of case {@code index}: scrambled, because java.util.Random's first outputs for
   * neighbouring seeds are alike (every case would start with the same choice).
   */
  static long caseSeed(long seed, int index) {
    long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static Case generate(Random r) {
    return switch (r.nextInt(8)) {
      case 0 -> rawRequest("json", r, "POST", r.nextBoolean() ? "/" : pick(r, PATHS), mutated(r,
          r.nextBoolean() ? jsonCommand(r) : jsonPipeline(r)), true);
      case 1 -> rawRequest("path", r, pick(r, METHODS), mutated(r, webdisPath(r)), null, false);
      case 2 -> rawRequest("headers", r, pick(r, METHODS), r.nextBoolean() ? webdisPath(r)
          : pick(r, PATHS), r.nextBoolean() ? jsonCommand(r) : randomBytes(r, 64), true);
      case 3 -> rawRequest("jsonish", r, "POST", r.nextInt(3) == 0 ? "/pipeline" : "/",
          jsonish(r), r.nextBoolean());
      case 4 -> new Case("garbage", garbage(r), null, null, null, null);
      case 5 -> clientRequest(r, true);
      case 6 -> clientRequest(r, false);
      default -> rawRequest("body-path", r, r.nextBoolean() ? "POST" : "PUT",
          r.nextBoolean() ? "/" : webdisPath(r), mutated(r, webdisBody(r)), false);
    };
  }

  /** A request with honest framing (Content-Length matches), random extra headers and token. */
  private static Case rawRequest(String kind, Random r, String method, Object target, byte[] body,
      boolean json) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(out, method + " ");
    out.writeBytes(target instanceof byte[] b ? b : target.toString()
        .getBytes(StandardCharsets.ISO_8859_1));
    write(out, r.nextInt(20) == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
    write(out, "Host: localhost\r\n");
    if (r.nextInt(8) != 0) {
      write(out, "Authorization: Bearer " + (r.nextInt(10) == 0 ? "wrong" : TOKEN) + "\r\n");
    }
    if (json && r.nextBoolean()) {
      write(out, "Content-Type: application/json\r\n");
    }
    int extra = kind.equals("headers") ? 1 + r.nextInt(6) : r.nextInt(2);
    for (int i = 0; i < extra; i++) {
      header(out, r);
    }
    boolean chunked = body != null && r.nextInt(10) == 0;
    if (chunked) {
      write(out, "Transfer-Encoding: chunked\r\n\r\n");
      int at = 0;
      while (at < body.length) {
        int n = Math.min(body.length - at, 1 + r.nextInt(64));
        write(out, Integer.toHexString(n) + "\r\n");
        out.write(body, at, n);
        write(out, "\r\n");
        at += n;
      }
      write(out, "0\r\n\r\n");
    } else if (body != null) {
      write(out, "Content-Length: " + body.length + "\r\n\r\n");
      out.writeBytes(body);
    } else {
      write(out, "\r\n");
    }
    return new Case(kind, out.toByteArray(), null, null, null, null);
  }

  /** A random header line; sometimes with a name or value the HTTP grammar forbids. */
  private static void header(ByteArrayOutputStream out, Random r) {
    String name = pick(r, HEADER_NAMES);
    String value = pick(r, HEADER_VALUES);
    switch (r.nextInt(6)) {
      case 0 -> name = new String(randomToken(r), StandardCharsets.ISO_8859_1);
      case 1 -> value = new String(randomBytes(r, 40), StandardCharsets.ISO_8859_1)
          .replace("\r", "").replace("\n", "");
      case 2 -> name = name + (char) (r.nextInt(32) + (r.nextBoolean() ? 0 : 0x7f));
      default -> {
        // a known name with a known value
      }
    }
    if (name.equalsIgnoreCase("Content-Length")
        || name.equalsIgnoreCase("Transfer-Encoding") && !value.equals("gzip")) {
      name = "X-Fuzz"; // framing stays honest: the body length is always what is declared
    }
    write(out, name + ": " + value + "\r\n");
  }

  private static Case clientRequest(Random r, boolean upstash) {
    List<String> headers = new ArrayList<>();
    int n = r.nextInt(3);
    for (int i = 0; i < n; i++) {
      String name = pick(r, HEADER_NAMES);
      if (name.equals("Connection") || name.equals("Expect") || name.equals("Transfer-Encoding")) {
        continue; // HttpClient refuses to set these
      }
      headers.add(name);
      headers.add(pick(r, HEADER_VALUES).strip());
    }
    if (r.nextInt(10) == 0) {
      headers.add("Authorization");
      headers.add("Bearer " + Long.toString(r.nextLong() >>> 1, 36)); // HttpClient: visible ASCII
    }
    if (upstash) {
      String path = r.nextInt(4) == 0 ? pick(r, PATHS) : "/";
      byte[] body = r.nextBoolean() ? mutated(r, jsonCommand(r)) : jsonish(r);
      return new Case("client-json", null, r.nextInt(10) == 0 ? clientMethod(r) : "POST", path,
          body, headers);
    }
    // A valid URI: every byte the generator picked, percent-encoded where it must be.
    StringBuilder path = new StringBuilder();
    for (byte b : webdisPath(r)) {
      int c = b & 0xFF;
      if (c > 0x20 && c < 0x7F && "\"<>\\^`{|}#?%".indexOf(c) < 0) {
        path.append((char) c);
      } else {
        path.append('%').append(String.format("%02X", c));
      }
    }
    if (r.nextInt(4) == 0) {
      path.append(pick(r, new String[] {".json", ".raw", ".txt", ".txt?sep=%FF", "?_token=x",
          "?" + "a=b&".repeat(r.nextInt(20))}));
    }
    String method = r.nextInt(5) == 0 ? clientMethod(r) : "GET";
    byte[] body = method.equals("PUT") || method.equals("POST") ? randomBytes(r, 32) : null;
    return new Case("client-path", null, method, path.toString(), body, headers);
  }

  /** A method HttpClient sends: it refuses CONNECT; any other token works. */
  private static String clientMethod(Random r) {
    String method = pick(r, METHODS);
    return method.equals("CONNECT") ? "PURGE" : method;
  }

  private static String[] command(Random r) {
    String[] c = VOCABULARY[r.nextInt(VOCABULARY.length)].clone();
    if (r.nextInt(4) == 0) {
      c[0] = r.nextBoolean() ? c[0].toLowerCase() : c[0].charAt(0) + c[0].substring(1)
          .toLowerCase();
    }
    return c;
  }

  private static byte[] jsonCommand(Random r) {
    return utf8(jsonArray(command(r), r));
  }

  private static byte[] jsonPipeline(Random r) {
    StringBuilder s = new StringBuilder("[");
    int n = 1 + r.nextInt(4);
    for (int i = 0; i < n; i++) {
      s.append(i == 0 ? "" : ",").append(jsonArray(command(r), r));
    }
    return utf8(s.append(']').toString());
  }

  private static String jsonArray(String[] args, Random r) {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < args.length; i++) {
      s.append(i == 0 ? "" : ",");
      boolean number = args[i].matches("-?[0-9]+") && r.nextBoolean();
      s.append(number ? args[i] : "\"" + args[i] + "\"");
    }
    return s.append(']').toString();
  }

  /** A Webdis path from the vocabulary, with a database prefix or an extension sometimes. */
  private static byte[] webdisPath(Random r) {
    StringBuilder s = new StringBuilder();
    if (r.nextInt(6) == 0) {
      s.append('/').append(r.nextInt(20));
    }
    for (String arg : command(r)) {
      s.append('/').append(arg);
    }
    if (r.nextInt(5) == 0) {
      s.append(pick(r, new String[] {".json", ".raw", ".txt", ".xml", "."}));
    }
    return s.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** A Webdis command as a POST / body: the path without its leading slash. */
  private static byte[] webdisBody(Random r) {
    byte[] path = webdisPath(r);
    return java.util.Arrays.copyOfRange(path, 1, path.length);
  }

  /** 1 to 4 random edits: flip, insert, delete, duplicate, or splice in a troublesome token. */
  private static byte[] mutated(Random r, byte[] input) {
    byte[] b = input;
    int edits = 1 + r.nextInt(4);
    for (int e = 0; e < edits; e++) {
      int at = b.length == 0 ? 0 : r.nextInt(b.length + 1);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      switch (r.nextInt(6)) {
        case 0 -> {
          if (at < b.length) {
            b = b.clone();
            b[at] = (byte) r.nextInt(256);
          }
          continue;
        }
        case 1 -> {
          out.write(b, 0, at);
          out.write(r.nextInt(256));
          out.write(b, at, b.length - at);
        }
        case 2 -> {
          int n = Math.min(b.length - at, 1 + r.nextInt(4));
          out.write(b, 0, at);
          out.write(b, at + n, b.length - at - n);
        }
        case 3 -> {
          int n = Math.min(b.length - at, 1 + r.nextInt(16));
          out.write(b, 0, at + n);
          out.write(b, at, b.length - at);
        }
        default -> {
          out.write(b, 0, at);
          out.writeBytes(utf8(pick(r, new String[] {"null", "{", "}", "[", "]", ",", "\"", ":",
              "\\u", "\\uD800", "1e999", "-0", "99999999999999999999", "%", "%zz", "%FF", "%2F",
              "/", "//", "..", "+", " ", "\t", "\u00e9", "\u0000", "true", "[[", "]]", "\\"})));
          out.write(b, at, b.length - at);
        }
      }
      b = out.toByteArray();
    }
    return b.length > MAX_BODY * 2 ? java.util.Arrays.copyOf(b, MAX_BODY * 2) : b;
  }

  /** Random text made of JSON's pieces: brackets, strings, numbers, literals, escapes. */
  private static byte[] jsonish(Random r) {
    StringBuilder s = new StringBuilder();
    int n = r.nextInt(30);
    for (int i = 0; i < n; i++) {
      s.append(pick(r, new String[] {"[", "]", "{", "}", ",", ":", "\"GET\"", "\"SET\"",
          "\"fz:k\"", "\"v\"", "1", "-1.5e3", "null", "true", "false", "\"\\u00\"", "\"\\ud800\"",
          "\"\u00ff\"", " ", "\n", "\"PING\"", "\"", "\\"}));
    }
    if (r.nextInt(10) == 0) {
      s.append("x".repeat(r.nextInt(MAX_BODY * 2))); // sometimes over max-body: 413
    }
    return utf8(s.toString());
  }

  /** Bytes that may not be an HTTP request at all, ended so that the server stops waiting. */
  private static byte[] garbage(Random r) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    switch (r.nextInt(4)) {
      case 0 -> out.writeBytes(randomBytes(r, 200));
      case 1 -> write(out, pick(r, METHODS) + " " + new String(randomBytes(r, 40),
          StandardCharsets.ISO_8859_1) + " HTTP/1.1\r\n");
      case 2 -> write(out, "GET /PING " + pick(r, new String[] {"HTTP/9.9", "HTTP/1", "HTTP",
          "FTP/1.0", "", "HTTP/1.1 extra"}) + "\r\n");
      default -> write(out, "GET /PING HTTP/1.1\r\n" + new String(randomBytes(r, 80),
          StandardCharsets.ISO_8859_1));
    }
    write(out, "\r\n\r\n");
    return out.toByteArray();
  }

  private static byte[] randomBytes(Random r, int max) {
    byte[] b = new byte[r.nextInt(max + 1)];
    r.nextBytes(b);
    return b;
  }

  private static byte[] randomToken(Random r) {
    byte[] b = new byte[1 + r.nextInt(12)];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : 'a' + r.nextInt(26));
    }
    return b;
  }

  private static String pick(Random r, String[] options) {
    return options[r.nextInt(options.length)];
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void write(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
  }
}
