package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An open Server-Sent Events stream from the bridge (a {@code POST} to a subscribe URL), read by a
 * daemon thread into a queue of lines; {@code <end>} is queued when the bridge ends it.
 */
final class EventStream implements AutoCloseable {

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).build();

  final HttpResponse<Stream<String>> response;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

  EventStream(String url, String token) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", "Bearer " + token)
        .header("Accept", "text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString("[]"))
        .build();
    response = CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofLines())
        .get(10, TimeUnit.SECONDS);
    Thread reader = new Thread(() -> {
      try (Stream<String> body = response.body()) {
        body.forEach(lines::add);
      } catch (RuntimeException e) {
        lines.add("closed: " + e);
      }
      lines.add("<end>");
    }, "sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** The next data line, skipping blank lines and keepalive comments. */
  String next() throws InterruptedException {
    while (true) {
      String line = lines.poll(10, TimeUnit.SECONDS);
      assertNotNull(line, "no event within 10 s");
      if (!line.isEmpty() && !line.startsWith(":")) {
        return line;
      }
    }
  }

  @Override
  public void close() {
    response.body().close();
  }
}
