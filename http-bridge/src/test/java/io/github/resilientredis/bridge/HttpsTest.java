package io.github.resilientredis.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTPS from PEM files made at test time, RSA and EC, with the JDK's {@link HttpClient} trusting
 * only the test CA; and the refusals of files that cannot work, each naming the setting. Requests
 * with Redis behind are in it-tests (BridgeHttpsIT and the conformance suite over https).
 */
class HttpsTest {

  private static Path dir;
  private static TestCertificates rsa;
  private static TestCertificates ec;
  private static String deadRedis;

  @BeforeAll
  static void makeCertificates() throws Exception {
    dir = Files.createTempDirectory("bridge-tls");
    rsa = TestCertificates.make(dir.resolve("rsa"), "rsa");
    ec = TestCertificates.make(dir.resolve("ec"), "ec");
    try (ServerSocket socket = new ServerSocket(0)) {
      deadRedis = "redis://127.0.0.1:" + socket.getLocalPort();
    }
  }

  @AfterAll
  static void deleteCertificates() {
    TestCertificates.deleteQuietly(dir);
  }

  private static TestCertificates certs(String type) {
    return type.equals("rsa") ? rsa : ec;
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa", "ec"})
  void servesHttpsWithTheWholeChain(String type) throws Exception {
    TestCertificates c = certs(type);
    try (RedisHttpBridge bridge = RedisHttpBridge.builder().redis(deadRedis).port(0)
        .tls(c.chain(), c.key()).start()) {
      assertTrue(bridge.url().startsWith("https://127.0.0.1:"), bridge.url());
      assertTrue(bridge.describe().startsWith("listening on https://"), bridge.describe());
      HttpClient client = HttpClient.newBuilder().sslContext(c.clientContext())
          .connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> health = client.send(HttpRequest.newBuilder(
          URI.create(bridge.url() + "/health")).timeout(Duration.ofSeconds(10)).build(),
          BodyHandlers.ofString());
      assertEquals(200, health.statusCode());
      assertEquals("{\"status\":\"ok\"}", health.body());
      // The server's certificate and the CA's, as cert.pem lists them.
      assertEquals(2, health.sslSession().orElseThrow().getPeerCertificates().length);
      assertEquals(type.equals("rsa") ? "RSA" : "EC", health.sslSession().orElseThrow()
          .getPeerCertificates()[0].getPublicKey().getAlgorithm());

      // Commands go through TLS like anything else: Redis is down here, so 503 with JSON.
      HttpResponse<String> get = client.send(HttpRequest.newBuilder(
          URI.create(bridge.url() + "/GET/k")).timeout(Duration.ofSeconds(10)).build(),
          BodyHandlers.ofString());
      assertEquals(503, get.statusCode(), get.body());
      assertTrue(get.body().startsWith("{\"error\":"), get.body());

      // Plain HTTP to the HTTPS port gets no HTTP answer.
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      URI http = URI.create(bridge.url().replace("https://", "http://") + "/health");
      assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(http)
          .timeout(Duration.ofSeconds(10)).build(), BodyHandlers.ofString()));
    }
  }

  /** The container image's HEALTHCHECK probes the scheme the bridge serves, from its environment. */
  @Test
  void theImageHealthCheckProbesHttpsWhenTheBridgeServesIt() throws Exception {
    try (RedisHttpBridge https = RedisHttpBridge.builder().redis(deadRedis).port(0)
        .tls(ec.chain(), ec.key()).start();
        RedisHttpBridge http = RedisHttpBridge.builder().redis(deadRedis).port(0).start()) {
      assertEquals(0, HealthCheck.probe(Map.of("BRIDGE_PORT", String.valueOf(https.port()),
          "BRIDGE_TLS_CERT", ec.chain().toString())));
      assertEquals(0, HealthCheck.probe(Map.of("BRIDGE_PORT", String.valueOf(http.port()))));
      // Plain HTTP to the HTTPS port is no health.
      assertThrows(IOException.class, () -> HealthCheck.probe(Map.of("BRIDGE_PORT",
          String.valueOf(https.port()))));
    }
  }

  @Test
  void aClientThatDoesNotTrustTheCaIsRefused() throws Exception {
    try (RedisHttpBridge bridge = RedisHttpBridge.builder().redis(deadRedis).port(0)
        .tls(rsa.chain(), rsa.key()).start()) {
      HttpClient trustsOtherCa = HttpClient.newBuilder().sslContext(ec.clientContext()).build();
      assertThrows(IOException.class, () -> trustsOtherCa.send(HttpRequest.newBuilder(
          URI.create(bridge.url() + "/health")).timeout(Duration.ofSeconds(10)).build(),
          BodyHandlers.ofString()));
    }
  }

  @Test
  void filesThatCannotWorkAreRefusedNamingTheSetting() {
    assertRefused(rsa.chain(), rsa.traditionalKey(), "tls-key holds a traditional RSA PRIVATE KEY",
        "openssl pkcs8 -topk8 -nocrypt");
    assertRefused(ec.chain(), ec.traditionalKey(), "tls-key holds a traditional EC PRIVATE KEY",
        "openssl pkcs8 -topk8 -nocrypt");
    assertRefused(rsa.chain(), ec.key(), "tls-key is not an RSA key", ec.key().toString());
    assertRefused(ec.chain(), ec.dir().resolve("ca-key.pem"),
        "tls-key is not the private key of the first certificate in tls-cert", "CN=localhost");
    assertRefused(rsa.key(), rsa.key(), "tls-cert holds no PEM certificate", rsa.key().toString());
    assertRefused(rsa.chain(), rsa.chain(), "tls-key holds no PEM private key", "");
    assertRefused(dir.resolve("missing.pem"), rsa.key(), "tls-cert cannot be read",
        "missing.pem");
    assertRefused(rsa.chain(), null, "tls-key is not set but tls-cert is", "");
    assertRefused(null, rsa.key(), "tls-cert is not set but tls-key is", "");
  }

  private static void assertRefused(Path cert, Path key, String start, String detail) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RedisHttpBridge.builder().redis(deadRedis).port(0).tls(cert, key).start().close());
    assertTrue(e.getMessage().startsWith(start), e.getMessage());
    assertTrue(e.getMessage().contains(detail), e.getMessage());
  }
}
