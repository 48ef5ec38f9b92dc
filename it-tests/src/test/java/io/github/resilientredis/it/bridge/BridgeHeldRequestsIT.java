package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.support.AclUsers;
import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientType;

/**
 * Held requests at scale over real HTTP: thousands of SSE streams and long-polls share the hub's
 * two Redis connections; broadcast and one-to-one delivery; two bridges on one Redis; clients
 * that leave are let go within a second; Webdis's stream shape.
 */
class BridgeHeldRequestsIT {

  private static final int HELD = 2_000;
  private static final Duration LONG = Duration.ofSeconds(60);
  private static GenericContainer<?> redis;
  private static RedisHttpBridge bridge;
  private static BridgeHttp http;
  private static final HeldHttp clients = new HeldHttp();

  @BeforeAll
  static void start() {
    BridgeHttp.init();
    redis = RedisContainers.redis();
    redis.start();
    // On the JDK's server (Java 17) each held request holds one of max-concurrent platform
    // threads: room for all. On the fast path (Java 21+) they give their turn back.
    bridge = RedisHttpBridge.builder().redis(RedisContainers.uri(redis)).port(0)
        .poolSize(8).maxConcurrent(2 * HELD + 200).maxSubscribers(HELD + 100).start();
    http = new BridgeHttp(bridge.url(), null);
  }

  @AfterAll
  static void stop() {
    if (bridge != null) {
      bridge.close();
    }
    redis.stop();
  }

  private static long publish(BridgeHttp through, String channel, String message) {
    return through.post("/", "[\"PUBLISH\",\"" + channel + "\",\"" + message + "\"]").expect(200)
        .json().getAsJsonObject().get("result").getAsLong();
  }

  private static long numsub(Jedis jedis, String channel) {
    return jedis.pubsubNumSub(channel).get(channel);
  }

  private static int pubsubClients(Jedis jedis) {
    String list = jedis.clientList(ClientType.PUBSUB);
    return (int) list.lines().filter(l -> !l.isBlank()).count();
  }

  @Test
  void twoThousandHeldRequestsShareTwoRedisConnections() throws Exception {
    List<HeldHttp.Held> sse = new ArrayList<>();
    List<HeldHttp.Held> polls = new ArrayList<>();
    try (Jedis jedis = RedisProbe.connect(redis)) {
      // half SSE, half long-poll; in each half, half wait on one shared channel, half on their own
      for (int i = 0; i < HELD / 2; i++) {
        String channel = i % 2 == 0 ? "all" : "sse:" + i;
        sse.add(clients.open(bridge.url() + "/subscribe/" + channel, "POST",
            "Accept", "text/event-stream"));
        String pollChannel = i % 2 == 0 ? "all" : "poll:" + i;
        polls.add(clients.open(bridge.url() + "/poll/" + pollChannel + "?timeout=110", "GET"));
      }
      for (HeldHttp.Held held : sse) {
        assertEquals(200, held.armed.get(60, TimeUnit.SECONDS), held.path);
        held.await("data: subscribe,", LONG);
      }
      for (HeldHttp.Held held : polls) {
        assertEquals(200, held.armed.get(60, TimeUnit.SECONDS), held.path);
      }
      assertTrue(pubsubClients(jedis) <= 2, "pub/sub connections: " + pubsubClients(jedis));
      assertEquals(1, numsub(jedis, "all"), "one hub connection holds the shared channel");
      assertEquals(HELD / 2 + 1, jedis.pubsubChannels("all").size()
          + jedis.pubsubChannels("sse:*").size() + jedis.pubsubChannels("poll:*").size(),
          "every channel subscribed once, however many wait on it");

      // broadcast: one PUBLISH reaches the 1,000 on "all"
      long directBefore = directSends();
      assertEquals(1, publish(http, "all", "hi-all"));
      for (int i = 0; i < HELD / 2; i += 2) {
        sse.get(i).await("data: message,all,hi-all\n", LONG);
        polls.get(i).await("{\"result\":{\"channel\":\"all\",\"message\":\"hi-all\"}}", LONG);
        polls.get(i).done.get(10, TimeUnit.SECONDS);
      }
      // Java 22+ (the fast path: the test JVM opens what the jar's manifest opens) sends them
      // from the hub's thread; elsewhere each request's thread writes its own
      long direct = directSends() - directBefore;
      if (Runtime.version().feature() >= 22) {
        assertTrue(direct >= HELD / 2, "direct sends of the broadcast: " + direct);
      } else {
        assertEquals(0, direct, "direct sends without the Foreign Function API");
      }
      // one-to-one: each own channel reaches its own request and nobody else. Published straight
      // to Redis: the 500 polls just answered left 500 idle keep-alive connections, and the JDK
      // 17 server closes a connection that goes idle beyond 200 (maxIdleConnections), so a client
      // reusing one for a POST may meet a reset it must not retry.
      for (int i = 1; i < HELD / 2; i += 2) {
        assertEquals(1, jedis.publish("sse:" + i, "to-" + i));
        assertEquals(1, jedis.publish("poll:" + i, "to-" + i));
      }
      for (int i = 1; i < HELD / 2; i += 2) {
        sse.get(i).await("data: message,sse:" + i + ",to-" + i + "\n", LONG);
        polls.get(i).await("{\"result\":{\"channel\":\"poll:" + i + "\",\"message\":\"to-" + i
            + "\"}}", LONG);
        assertEquals(1, sse.get(i).text().split("data: message,").length - 1, sse.get(i).path);
        assertFalse(sse.get(i).contains("hi-all"), "a private channel got the broadcast");
      }
      for (HeldHttp.Held held : polls) {
        held.done.get(10, TimeUnit.SECONDS);
      }

    } finally {
      sse.forEach(HeldHttp.Held::close);
      polls.forEach(HeldHttp.Held::close);
    }
  }

  private static long directSends() {
    return directSends(http);
  }

  private static long directSends(BridgeHttp http) {
    return http.get("/metrics").expect(200).body().lines()
        .filter(l -> l.startsWith("bridge_held_direct_sends_total "))
        .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(' ') + 1))).sum();
  }

  /**
   * A stream whose client stops reading while 6 MB are published to it: the socket fills, sends
   * go in part or not at all, the request's own thread writes the rest; once the client reads
   * again every message arrives whole and in order, each in a well-formed chunk.
   */
  @Test
  void aStreamThatStopsReadingGetsEveryMessageWholeOnceItReadsAgain() throws Exception {
    int count = 3_000;
    String pad = "p".repeat(2_000);
    try (Socket client = leavingClient("/subscribe/slow");
        Jedis jedis = RedisProbe.connect(redis)) {
      client.setReceiveBufferSize(64 * 1024); // full sooner than the kernel's default
      InputStream in = new java.io.BufferedInputStream(client.getInputStream());
      assertEquals("data: subscribe,slow,1\n\n", chunk(in));
      long directBefore = directSends();
      redis.clients.jedis.Pipeline pipeline = jedis.pipelined();
      for (int i = 0; i < count; i++) {
        pipeline.publish("slow", i + ":" + pad);
      }
      pipeline.sync();
      Thread.sleep(500); // not reading meanwhile
      for (int i = 0; i < count; i++) {
        assertEquals("data: message,slow," + i + ":" + pad + "\n\n", chunk(in), "message " + i);
      }
      long direct = directSends() - directBefore;
      assertTrue(direct < count, "the socket was never full: " + direct + " direct sends");
      if (Runtime.version().feature() >= 22) {
        assertTrue(direct > 0, "no direct sends before the socket filled");
      }
    }
  }

  /**
   * A long-poll's connection serves the client's next request once the poll is answered: on Java
   * 22+ the departure watch reads nothing (epoll), so the reply need not close the connection.
   * Where a watch reads the socket, the reply says {@code Connection: close} and does close it.
   * On Java 22+ the answer goes directly, the reply's last chunk with it, and the server sends no
   * second one (the next reply would start with it).
   */
  @Test
  void aLongPollsConnectionServesTheNextRequest() throws Exception {
    longPollServesTheNextRequest(bridge, http);
  }

  /**
   * The same on robaho's server, which still serves HTTPS: its departure watch is the process's
   * own epoll set ({@code EpollWatch}) and the reply's end is told to its body stream by reflection.
   */
  @Test
  void onRobahosServerALongPollsConnectionServesTheNextRequest() throws Exception {
    assumeTrue(Runtime.version().feature() >= 21, "robaho's server needs Java 21+");
    try (RedisHttpBridge robaho = RedisHttpBridge.builder().redis(RedisContainers.uri(redis))
        .port(0).httpServer("robaho").start()) {
      assertTrue(robaho.describe().contains("HTTP server: robaho's httpserver on virtual threads"),
          robaho.describe());
      longPollServesTheNextRequest(robaho, new BridgeHttp(robaho.url(), null));
    }
  }

  private static void longPollServesTheNextRequest(RedisHttpBridge bridge, BridgeHttp http)
      throws Exception {
    try (Socket client = leavingClient(bridge, "/poll/reuse?timeout=30");
        Jedis jedis = RedisProbe.connect(redis)) {
      // leavingClient read the headers; whether they said "Connection: close" is asked below
      InputStream in = new java.io.BufferedInputStream(client.getInputStream());
      long directBefore = directSends(http);
      assertEquals(1, jedis.publish("reuse", "answer"));
      assertEquals("{\"result\":{\"channel\":\"reuse\",\"message\":\"answer\"}}",
          chunk(in).strip());
      assertEquals("", chunk(in), "the last chunk");
      StringBuilder next = new StringBuilder();
      try {
        client.getOutputStream().write("GET /health HTTP/1.1\r\nHost: test\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        for (int b; next.indexOf("\r\n\r\n") < 0 && (b = in.read()) >= 0; ) {
          next.append((char) b);
        }
      } catch (IOException e) {
        next.append(e); // closed: asserted below where it must not be
      }
      if (Runtime.version().feature() >= 22) {
        assertTrue(next.toString().startsWith("HTTP/1.1 200"), "on the same connection: " + next);
        assertEquals(directBefore + 1, directSends(http), "the answer went directly");
      } // elsewhere a watch that reads (robaho on 21) closes it; the JDK's server (17) may too
    }
  }

  /** The next chunk of a chunked body: hex length, CRLF, the bytes, CRLF. */
  private static String chunk(InputStream in) throws IOException {
    StringBuilder size = new StringBuilder();
    for (int b = in.read(); b != '\r'; b = in.read()) {
      assertTrue(b >= 0, "end of stream in a chunk's size");
      size.append((char) b);
    }
    assertEquals('\n', in.read(), "a chunk's size ends with CRLF");
    byte[] bytes = in.readNBytes(Integer.parseInt(size.toString(), 16));
    assertEquals('\r', in.read(), "a chunk ends with CRLF");
    assertEquals('\n', in.read(), "a chunk ends with CRLF");
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * A client that really goes away: a socket of its own, closed. (A JDK HttpClient that cancels a
   * body does not always close its connection at once: it is not what a browser does.)
   */
  private static Socket leavingClient(String path) throws IOException {
    return leavingClient(bridge, path);
  }

  private static Socket leavingClient(RedisHttpBridge bridge, String path) throws IOException {
    Socket socket = new Socket("127.0.0.1", bridge.port());
    socket.setSoTimeout(20_000);
    socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    StringBuilder head = new StringBuilder();
    InputStream in = socket.getInputStream();
    while (head.indexOf("\r\n\r\n") < 0) { // the headers: subscribed
      int b = in.read();
      assertTrue(b >= 0, path + ": closed before its headers: " + head);
      head.append((char) b);
    }
    assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
    return socket;
  }

  @Test
  void clientsThatLeaveAreReleasedWithinOneSecond() throws Exception {
    String[] paths = {"/subscribe/gone:sse", "/SUBSCRIBE/gone:webdis", "/poll/gone:poll?timeout=60"};
    String[] channels = {"gone:sse", "gone:webdis", "gone:poll"};
    try (Jedis jedis = RedisProbe.connect(redis)) {
      for (int i = 0; i < paths.length; i++) {
        Socket client = leavingClient(paths[i]);
        String channel = channels[i];
        assertEquals(1, numsub(jedis, channel), channel);
        long closed = System.nanoTime();
        client.close();
        Await.until(Duration.ofSeconds(10), channel + " released",
            () -> numsub(jedis, channel) == 0);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closed);
        assertTrue(millis < 1_000, channel + " released " + millis + " ms after its client left");
      }
      // many at once: 300 streams and polls, each on its own channel, leave together
      List<Socket> clients = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        clients.add(leavingClient(i % 2 == 0 ? "/subscribe/many:" + i
            : "/poll/many:" + i + "?timeout=60"));
      }
      assertEquals(300, jedis.pubsubChannels("many:*").size());
      for (Socket client : clients) {
        client.close();
      }
      Await.until(Duration.ofSeconds(10), "300 channels released",
          () -> jedis.pubsubChannels("many:*").isEmpty());
    }
  }

  @Test
  void aPublishThroughEitherBridgeReachesTheWaitersOnBoth() throws Exception {
    try (RedisHttpBridge other = RedisHttpBridge.builder().redis(RedisContainers.uri(redis))
        .port(0).poolSize(2).maxConcurrent(16).maxSubscribers(8).start()) {
      BridgeHttp otherHttp = new BridgeHttp(other.url(), null);
      try (HeldHttp.Held streamA = clients.open(bridge.url() + "/subscribe/both", "GET");
          HeldHttp.Held streamB = clients.open(other.url() + "/subscribe/both", "GET");
          HeldHttp.Held pollB = clients.open(other.url() + "/poll/both?timeout=60", "GET")) {
        streamA.await("data: subscribe,both,1", LONG);
        streamB.await("data: subscribe,both,1", LONG);
        assertEquals(200, pollB.armed.get(20, TimeUnit.SECONDS));
        assertEquals(2, publish(http, "both", "via-a"), "one hub connection per bridge");
        streamA.await("data: message,both,via-a\n", LONG);
        streamB.await("data: message,both,via-a\n", LONG);
        pollB.await("\"message\":\"via-a\"", LONG);
        try (HeldHttp.Held pollA = clients.open(bridge.url() + "/poll/both?timeout=60", "GET")) {
          assertEquals(200, pollA.armed.get(20, TimeUnit.SECONDS));
          assertEquals(2, publish(otherHttp, "both", "via-b"));
          pollA.await("\"message\":\"via-b\"", LONG);
          streamA.await("data: message,both,via-b\n", LONG);
          streamB.await("data: message,both,via-b\n", LONG);
        }
      }
    }
  }

  @Test
  void webdisStreamsChunkedJsonAsWebdisDoes() throws Exception {
    try (HeldHttp.Held stream = clients.open(bridge.url() + "/SUBSCRIBE/wd", "GET");
        HeldHttp.Held pattern = clients.open(bridge.url() + "/PSUBSCRIBE/wd*", "GET")) {
      stream.await("{\"SUBSCRIBE\":[\"subscribe\",\"wd\",1]}", LONG);
      pattern.await("{\"PSUBSCRIBE\":[\"psubscribe\",\"wd*\",1]}", LONG);
      assertTrue(stream.info.headers().firstValue("Content-Type").orElse("")
          .startsWith("application/json"));
      assertEquals(2, publish(http, "wd", "hello \\\"you\\\""));
      stream.await("{\"SUBSCRIBE\":[\"message\",\"wd\",\"hello \\\"you\\\"\"]}", LONG);
      pattern.await("{\"PSUBSCRIBE\":[\"pmessage\",\"wd*\",\"wd\",\"hello \\\"you\\\"\"]}", LONG);
    }
  }

  @Test
  void aChannelTheTokensRedisUserMayNotUseIs403() {
    AclUsers.create(redis, "chan", "chan-pw", "~* &allowed:* +@all -@dangerous");
    try (RedisHttpBridge acl = RedisHttpBridge.builder().redis(RedisContainers.uri(redis)).port(0)
        .poolSize(2).maxConcurrent(8).maxSubscribers(4).tokens("chan-tok=chan:chan-pw").start()) {
      BridgeHttp chan = new BridgeHttp(acl.url(), "chan-tok");
      chan.get("/poll/secret?timeout=5").expectError(403, "NOPERM");
      chan.post("/subscribe/allowed:a/secret", "[]").expectError(403, "NOPERM");
      assertEquals("{\"result\":null}", chan.get("/poll/allowed:b?timeout=0.2").expect(200)
          .body().strip());
    }
  }

  @Test
  void aPollEndsWithNullAtItsTimeoutAndRefusesBadInput() throws Exception {
    long start = System.nanoTime();
    try (HeldHttp.Held poll = clients.open(bridge.url() + "/poll/quiet?timeout=0.5", "GET")) {
      poll.done.get(20, TimeUnit.SECONDS);
      assertEquals("{\"result\":null}", poll.text().strip());
      assertEquals(200, poll.info.statusCode());
      assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(500));
    }
    http.get("/poll/quiet?timeout=soon").expectError(400, "timeout");
    http.get("/poll/a/b").expectError(400, "one channel");
    http.get("/poll/").expectError(400, "channel");
  }
}
