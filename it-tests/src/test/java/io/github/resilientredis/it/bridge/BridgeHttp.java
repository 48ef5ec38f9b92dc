package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
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

/**
 * A real HTTP client ({@link HttpClient}, HTTP/1.1) for the bridge under test, with the token set
 * once. Replies keep their raw bytes, so binary values can be compared exactly.
 */
final class BridgeHttp {

  static {
    // Set where the server is launched (this test JVM), before the JDK's HTTP server loads, as
    // Main does. Without it each reply can wait ~40 ms for a delayed ACK; the tests stay correct.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  private final String base;
  private final String token;

  BridgeHttp(String base, String token) {
    this.base = base;
    this.token = token;
  }

  /** Makes sure the class (and the property above) is loaded before a bridge starts. */
  static void init() {}

  Reply get(String path, String... headers) {
    return send("GET", path, null, headers);
  }

  Reply post(String path, String body, String... headers) {
    return send("POST", path, body.getBytes(StandardCharsets.UTF_8), headers);
  }

  Reply post(String path, byte[] body, String... headers) {
    return send("POST", path, body, headers);
  }

  Reply put(String path, byte[] body, String... headers) {
    return send("PUT", path, body, headers);
  }

  /** {@code headers} are name, value pairs. */
  Reply send(String method, String path, byte[] body, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(TIMEOUT)
        .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    try {
      var response = CLIENT.send(request.build(), BodyHandlers.ofByteArray());
      return new Reply(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new AssertionError(method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  record Reply(int status, HttpHeaders headers, byte[] bytes) {

    String body() {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    JsonElement json() {
      return JsonParser.parseString(body());
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    /** Asserts the status, and for an error a JSON body {@code {"error": ...}} holding text. */
    Reply expect(int expected) {
      assertEquals(expected, status, () -> "status of reply " + body());
      return this;
    }

    Reply expectError(int expected, String text) {
      expect(expected);
      assertTrue(header("Content-Type").startsWith("application/json"), header("Content-Type"));
      String error = json().getAsJsonObject().get("error").getAsString();
      assertTrue(error.contains(text), () -> "error '" + error + "' should contain '" + text + "'");
      return this;
    }

    @Override
    public String toString() {
      return status + " " + body();
    }
  }
}
