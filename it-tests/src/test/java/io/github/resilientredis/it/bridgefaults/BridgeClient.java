package io.github.resilientredis.it.bridgefaults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link HttpClient} (HTTP/1.1) for a bridge under test, with the bearer token set once, and the
 * checks every bad-request test makes: a JSON error body, and the bridge still serving after it.
 */
final class BridgeClient {

  static {
    // Set where the server is launched (this test JVM), before the JDK's HTTP server loads, as the
    // bridge's Main does; without it each reply can wait ~40 ms for a delayed ACK.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  /** A normal request right after a bad one must be answered within this. */
  static final Duration QUICK = Duration.ofSeconds(2);
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  final String base;
  final int port;
  private final String token;

  BridgeClient(String base, String token) {
    this.base = base;
    this.port = URI.create(base).getPort();
    this.token = token;
  }

  /** Loads this class (and sets the property above) before a bridge starts. */
  static void init() {}

  record Reply(int status, HttpHeaders headers, byte[] bytes, long millis) {

    String body() {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    JsonElement json() {
      return JsonParser.parseString(body());
    }

    /** Asserts the status and a JSON body {@code {"error": "..."}} containing {@code text}. */
    Reply expectError(int expected, String text) {
      assertEquals(expected, status, () -> "status of reply " + body());
      String error = errorText(header("Content-Type"), bytes);
      assertTrue(error.contains(text), () -> "error '" + error + "' should contain '" + text
          + "'");
      return this;
    }

    Reply expect(int expected) {
      assertEquals(expected, status, () -> "status of reply " + body());
      return this;
    }

    @Override
    public String toString() {
      return status + " " + body();
    }
  }

  /**
   * The text of a JSON error body {@code {"error": "..."}}; fails the test when the body is not
   * that (wrong type, not JSON, no "error" string).
   */
  static String errorText(String contentType, byte[] body) {
    assertTrue(contentType != null && contentType.startsWith("application/json"),
        () -> "error reply Content-Type " + contentType + ": " + RawHttp.shown(body, 200));
    JsonElement json;
    try {
      json = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw new AssertionError("error body is not JSON: " + RawHttp.shown(body, 200), e);
    }
    assertTrue(json.isJsonObject() && json.getAsJsonObject().has("error")
        && json.getAsJsonObject().get("error").isJsonPrimitive(),
        () -> "error body has no \"error\" string: " + json);
    JsonObject object = json.getAsJsonObject();
    return object.get("error").getAsString();
  }

  Reply get(String path, String... headers) {
    return send("GET", path, null, headers);
  }

  Reply post(String path, String body, String... headers) {
    return send("POST", path, body.getBytes(StandardCharsets.UTF_8), headers);
  }

  /** Fails the test on a transport error. */
  Reply send(String method, String path, byte[] body, String... headers) {
    try {
      return trySend(method, path, body, Duration.ofSeconds(20), headers);
    } catch (IOException e) {
      throw new AssertionError(method + " " + path + " failed: " + e, e);
    }
  }

  /** {@code headers} are name, value pairs; the token is added unless one is given. */
  Reply trySend(String method, String path, byte[] body, Duration timeout, String... headers)
      throws IOException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(timeout)
        .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
    boolean authorization = false;
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
      authorization |= headers[i].equalsIgnoreCase("Authorization");
    }
    if (token != null && !authorization) {
      request.header("Authorization", "Bearer " + token);
    }
    long start = System.nanoTime();
    // The request timeout covers the headers only: bound the body too (a stream never ends).
    var future = CLIENT.sendAsync(request.build(), BodyHandlers.ofByteArray());
    try {
      var response = future.get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
      return new Reply(response.statusCode(), response.headers(), response.body(),
          (System.nanoTime() - start) / 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new IOException("no complete reply within " + timeout.toMillis() + " ms", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
  }

  /**
   * A SET and a GET of a fresh value through the Upstash API, each answered within {@link #QUICK}:
   * the check after every bad request that the bridge still serves.
   */
  void assertServes(String key) {
    String value = "v-" + System.nanoTime();
    Reply set = post("/", "[\"SET\",\"" + key + "\",\"" + value + "\"]");
    assertEquals(200, set.status(), () -> "SET after a bad request: " + set);
    assertEquals("{\"result\":\"OK\"}", set.body());
    Reply get = post("/", "[\"GET\",\"" + key + "\"]");
    assertEquals("{\"result\":\"" + value + "\"}", get.body(), "GET after a bad request");
    assertTrue(set.millis() < QUICK.toMillis() && get.millis() < QUICK.toMillis(),
        () -> "served slowly after a bad request: SET " + set.millis() + " ms, GET "
            + get.millis() + " ms");
  }
}
