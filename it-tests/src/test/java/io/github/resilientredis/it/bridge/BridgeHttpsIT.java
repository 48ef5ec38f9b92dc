package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.bridge.RedisHttpBridge;
import io.github.resilientredis.it.support.Await;
import io.github.resilientredis.it.support.FreePorts;
import io.github.resilientredis.it.support.RedisContainers;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;

/**
 * The bridge over HTTPS with a real Redis behind it, from a certificate this test makes
 * ({@code scripts/lib/test-cert.sh}, openssl): the JDK's {@link HttpClient} trusting only the test
 * CA, in process and against the runnable jar configured through its environment; and the
 * warning of a bridge that listens beyond loopback over plain HTTP. The {@code @upstash/redis}
 * client over HTTPS is in UpstashClientConformanceIT.
 */
class BridgeHttpsIT {

  private static final Path JAR = Path.of("..", "http-bridge", "target", "redis-http-bridge.jar");
  private static final String TOKEN = "https-token";
  private static final String CLEAR_TEXT_WARNING = "bearer tokens and data travel in clear";
  private static GenericContainer<?> redis;
  private static Path certs;
  private static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    redis = RedisContainers.redis();
    redis.start();
    certs = Files.createTempDirectory("bridge-https-it");
    Process make = new ProcessBuilder("bash", Path.of("..", "scripts", "lib", "test-cert.sh")
        .toString(), certs.toString(), "rsa").redirectErrorStream(true).start();
    String output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(make.waitFor(60, TimeUnit.SECONDS) && make.exitValue() == 0, output);
    client = HttpClient.newBuilder().sslContext(trustingTestCa())
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() throws IOException {
    redis.stop();
    try (var files = Files.walk(certs)) {
      files.sorted((a, b) -> b.compareTo(a)).forEach(f -> f.toFile().delete());
    }
  }

  private static SSLContext trustingTestCa() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(certs.resolve("ca.pem"))) {
      trust.setCertificateEntry("test-ca", CertificateFactory.getInstance("X.509")
          .generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  private static HttpResponse<String> post(String url, String path, String json)
      throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url + path))
        .header("Authorization", "Bearer " + TOKEN)
        .timeout(Duration.ofSeconds(10))
        .POST(BodyPublishers.ofString(json)).build(), BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String url, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url + path))
        .header("Authorization", "Bearer " + TOKEN)
        .timeout(Duration.ofSeconds(10)).build(), BodyHandlers.ofString());
  }

  @Test
  void upstashAndWebdisRequestsOverHttps() throws Exception {
    try (RedisHttpBridge bridge = RedisHttpBridge.builder().redis(RedisContainers.uri(redis))
        .port(0).tokens(TOKEN).tls(certs.resolve("cert.pem"), certs.resolve("key.pem"))
        .start()) {
      String url = bridge.url();
      assertTrue(url.startsWith("https://"), url);
      HttpResponse<String> set = post(url, "/", "[\"SET\",\"https:k\",\"v\"]");
      assertEquals(200, set.statusCode(), set.body());
      assertEquals("{\"result\":\"OK\"}", set.body());
      assertEquals("TLSv1.3", set.sslSession().orElseThrow().getProtocol());
      assertEquals("{\"GET\":\"v\"}", get(url, "/GET/https:k").body());
      HttpResponse<String> pipeline = post(url, "/pipeline",
          "[[\"INCR\",\"https:n\"],[\"INCR\",\"https:n\"]]");
      assertEquals("[{\"result\":1},{\"result\":2}]", pipeline.body());
      HttpResponse<String> noToken = client.send(HttpRequest.newBuilder(URI.create(url
          + "/GET/https:k")).timeout(Duration.ofSeconds(10)).build(), BodyHandlers.ofString());
      assertEquals(401, noToken.statusCode(), noToken.body());
    }
  }

  @Test
  void theJarTakesItsCertificateFromTheEnvironmentAndSaysHttps() throws Exception {
    int port = FreePorts.pick();
    Path log = Files.createTempFile("bridge-https", ".log");
    Process bridge = launch(log, Map.of("BRIDGE_TLS_CERT", certs.resolve("cert.pem").toString(),
        "BRIDGE_TLS_KEY", certs.resolve("key.pem").toString()),
        "--port", String.valueOf(port), "--redis", RedisContainers.uri(redis), "--token", TOKEN);
    try {
      awaitStartup(bridge, log);
      assertTrue(read(log).contains("listening on https://127.0.0.1:" + port), read(log));
      String url = "https://127.0.0.1:" + port;
      assertEquals(200, post(url, "/", "[\"SET\",\"https:jar\",\"1\"]").statusCode());
      assertEquals("{\"GET\":\"1\"}", get(url, "/GET/https:jar").body());
    } finally {
      stopGracefully(bridge);
    }
  }

  @Test
  void plainHttpBeyondLoopbackWarnsThatTheTokenTravelsInClear() throws Exception {
    Path log = Files.createTempFile("bridge-clear", ".log");
    Process clear = launch(log, Map.of(), "--host", "0.0.0.0", "--port",
        String.valueOf(FreePorts.pick()), "--redis", RedisContainers.uri(redis), "--token", TOKEN);
    try {
      awaitStartup(clear, log);
      assertTrue(read(log).contains("WARN") && read(log).contains(CLEAR_TEXT_WARNING), read(log));
    } finally {
      stopGracefully(clear);
    }
    Path tlsLog = Files.createTempFile("bridge-tls", ".log");
    Process tls = launch(tlsLog, Map.of(), "--host", "0.0.0.0", "--port",
        String.valueOf(FreePorts.pick()), "--redis", RedisContainers.uri(redis), "--token", TOKEN,
        "--tls-cert", certs.resolve("cert.pem").toString(), "--tls-key",
        certs.resolve("key.pem").toString());
    try {
      awaitStartup(tls, tlsLog);
      assertTrue(read(tlsLog).contains("listening on https://"), read(tlsLog));
      assertFalse(read(tlsLog).contains(CLEAR_TEXT_WARNING), read(tlsLog));
    } finally {
      stopGracefully(tls);
    }
  }

  @Test
  void aKeyInTheOldFormIsRefusedWithTheCommandThatConvertsIt() throws Exception {
    Path log = Files.createTempFile("bridge-badkey", ".log");
    Process bad = launch(log, Map.of(), "--port", String.valueOf(FreePorts.pick()),
        "--tls-cert", certs.resolve("cert.pem").toString(),
        "--tls-key", certs.resolve("key-traditional.pem").toString());
    assertTrue(bad.waitFor(30, TimeUnit.SECONDS));
    assertEquals(2, bad.exitValue(), read(log));
    assertTrue(read(log).contains("tls-key holds a traditional RSA PRIVATE KEY"), read(log));
    assertTrue(read(log).contains("openssl pkcs8 -topk8 -nocrypt"), read(log));
    assertTrue(read(log).contains("(set by --tls-key or BRIDGE_TLS_KEY)"), read(log));
  }

  private static Process launch(Path log, Map<String, String> env, String... args)
      throws IOException {
    assertTrue(Files.isRegularFile(JAR), "build http-bridge first: " + JAR.toAbsolutePath());
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("BRIDGE_") || k.equals("REDIS_URL"));
    builder.environment().putAll(env);
    return builder.start();
  }

  private static void awaitStartup(Process bridge, Path log) {
    Await.until(Duration.ofSeconds(30), "the startup line",
        () -> read(log).contains("listening on") || !bridge.isAlive());
    assertTrue(bridge.isAlive(), read(log));
  }

  private static void stopGracefully(Process bridge) throws InterruptedException {
    bridge.destroy();
    assertTrue(bridge.waitFor(15, TimeUnit.SECONDS), "stopped within 15 s");
  }

  private static String read(Path log) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
