package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.RedisContainers;
import io.github.resilientredis.it.support.RedisProbe;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
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

/**
 * How a held request learns that its client left, over real sockets: on the fast path (the
 * bridge's epoll server, or robaho's, on virtual threads) the connection is watched, so a client
 * that closes is let go within a second although the bridge writes it nothing (keepalives set to an hour); on the JDK's own
 * server, which cannot be watched, keepalive writes find it within a second instead.
 */
class BridgeHeldDepartureIT {

  private static final String[] PATHS = {"/subscribe/left:sse", "/SUBSCRIBE/left:webdis",
      "/poll/left:poll?timeout=60"};
  private static final String[] CHANNELS = {"left:sse", "left:webdis", "left:poll"};
  private static GenericContainer<?> redis;

  @BeforeAll
  static void start() {
    redis = RedisContainers.redis();
    redis.start();
  }

  @AfterAll
  static void stop() {
    redis.stop();
  }

  private static RedisHttpBridge.Builder bridge() {
    return RedisHttpBridge.builder().redis(RedisContainers.uri(redis)).port(0).poolSize(2)
        .maxConcurrent(600).maxSubscribers(300);
  }

  /** A client of its own: sends the request, reads the headers (sent once subscribed). */
  private static Socket hold(int port, String path, StringBuilder head) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(20_000);
    socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    InputStream in = socket.getInputStream();
    while (head.indexOf("\r\n\r\n") < 0) {
      int b = in.read();
      assertTrue(b >= 0, path + ": closed before its headers: " + head);
      head.append((char) b);
    }
    assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
    return socket;
  }

  private static long numsub(Jedis jedis, String channel) {
    return jedis.pubsubNumSub(channel).get(channel);
  }

  /** Closes each client in turn; its channel must be out of Redis within a second. */
  private static void leaveOneByOne(RedisHttpBridge bridge, boolean quiet) throws Exception {
    try (Jedis jedis = RedisProbe.connect(redis)) {
      for (int i = 0; i < PATHS.length; i++) {
        StringBuilder head = new StringBuilder();
        try (Socket client = hold(bridge.port(), PATHS[i], head)) {
          assertEquals(1, numsub(jedis, CHANNELS[i]), CHANNELS[i]);
          if (quiet) {
            // a watch that reads the socket closes it after the reply; the epoll watch (Java
            // 22+, Linux) reads nothing, and the connection serves the next request
            assertEquals(Runtime.version().feature() < 22,
                head.toString().toLowerCase().contains("connection: close"),
                "Connection: close on a watched reply: " + head);
            InputStream in = client.getInputStream();
            if (!PATHS[i].startsWith("/poll/")) { // a stream announces its channel first
              client.setSoTimeout(5_000);
              byte[] first = new byte[256];
              assertTrue(in.read(first) > 0, PATHS[i] + ": no subscribe event");
            }
            client.setSoTimeout(1_500);
            assertThrows(SocketTimeoutException.class, () -> in.read(),
                PATHS[i] + ": the bridge wrote to a held request with nothing to say");
          }
          long closed = System.nanoTime();
          client.close();
          String channel = CHANNELS[i];
          Await.until(Duration.ofSeconds(10), channel + " released",
              () -> numsub(jedis, channel) == 0);
          long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closed);
          assertTrue(millis < 1_000, channel + " released " + millis + " ms after its client left"
              + " (" + bridge.describe() + ")");
        }
      }
      // 200 at once, streams and polls, each on its own channel
      List<Socket> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 200; i++) {
          clients.add(hold(bridge.port(), i % 2 == 0 ? "/subscribe/crowd:" + i
              : "/poll/crowd:" + i + "?timeout=60", new StringBuilder()));
        }
        assertEquals(200, jedis.pubsubChannels("crowd:*").size());
      } finally {
        long closed = System.nanoTime();
        for (Socket client : clients) {
          client.close();
        }
        Await.until(Duration.ofSeconds(10), "200 channels released",
            () -> jedis.pubsubChannels("crowd:*").isEmpty());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closed);
        assertTrue(millis < 1_000, "200 released " + millis + " ms after their clients left");
      }
    }
  }

  @Test
  void onTheFastPathAClientThatLeavesIsSeenWithoutAnyKeepalive() throws Exception {
    try (RedisHttpBridge bridge = bridge().streamKeepalive(Duration.ofHours(1)).start()) {
      String server = bridge.describe().replaceAll(".*HTTP server: ([^;]*).*", "$1");
      assumeTrue((server.contains("epoll") || server.contains("robaho"))
          && server.contains("on virtual threads"), "connections are watched on the epoll"
          + " server (Java 22+) and robaho's on virtual threads (Java 21+) only; the"
              + " JDK's server relies on keepalive writes, tested below: " + server);
      leaveOneByOne(bridge, true);
    }
  }

  /** robaho's server, which still serves HTTPS, watched by the process's own epoll set. */
  @Test
  void onRobahosServerAClientThatLeavesIsSeenWithoutAnyKeepalive() throws Exception {
    assumeTrue(Runtime.version().feature() >= 21, "robaho's server needs Java 21+");
    try (RedisHttpBridge bridge = bridge().httpServer("robaho")
        .streamKeepalive(Duration.ofHours(1)).start()) {
      assertTrue(bridge.describe().contains("HTTP server: robaho's httpserver on virtual threads"),
          bridge.describe());
      leaveOneByOne(bridge, true);
    }
  }

  @Test
  void onTheJdkServerKeepalivesFindAClientThatLeftWithinASecond() throws Exception {
    try (RedisHttpBridge bridge = bridge().httpServer("jdk").start()) {
      leaveOneByOne(bridge, false);
    }
  }
}
