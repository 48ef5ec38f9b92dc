package io.github.resilientredis.it.bridge;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * Held requests (streams and long-polls) over a real HTTP client, thousands at once without a
 * thread each: the JDK client's body subscribers collect the text as it arrives.
 */
final class HeldHttp {

  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10))
      .build();

  /** One held request: its headers, the text received so far, and its end. */
  static final class Held implements AutoCloseable {
    final String path;
    /** Completes with the status once the headers are in. */
    final CompletableFuture<Integer> armed = new CompletableFuture<>();
    /** Completes when the body ends (normally or not). */
    final CompletableFuture<Void> done = new CompletableFuture<>();
    volatile HttpResponse.ResponseInfo info;
    private final StringBuilder text = new StringBuilder();
    private volatile Flow.Subscription subscription;

    Held(String path) {
      this.path = path;
    }

    synchronized String text() {
      return text.toString();
    }

    private synchronized void append(String s) {
      text.append(s);
      notifyAll();
    }

    /** Waits until the text received contains {@code expected}. */
    synchronized void await(String expected, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (text.indexOf(expected) < 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(path + ": no '" + expected.replace("\n", "\\n")
              + "' within " + timeout + "; got: '" + text.toString().replace("\n", "\\n") + "'");
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    boolean contains(String expected) {
      synchronized (this) {
        return text.indexOf(expected) >= 0;
      }
    }

    /** The client goes away: its connection is closed. */
    @Override
    public void close() {
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }

    private Flow.Subscriber<List<ByteBuffer>> subscriber() {
      return new Flow.Subscriber<>() {
        @Override
        public void onSubscribe(Flow.Subscription s) {
          subscription = s;
          s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
          for (ByteBuffer b : buffers) {
            append(StandardCharsets.UTF_8.decode(b).toString());
          }
        }

        @Override
        public void onError(Throwable e) {
          done.complete(null);
        }

        @Override
        public void onComplete() {
          done.complete(null);
        }
      };
    }
  }

  /** Starts a GET (or POST with an empty JSON array) and returns at once. */
  Held open(String url, String method, String... headers) {
    Held held = new Held(url);
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("[]")
            : HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    client.sendAsync(request.build(), info -> {
      held.info = info;
      held.armed.complete(info.statusCode());
      return BodySubscribers.fromSubscriber(held.subscriber());
    }).whenComplete((response, error) -> {
      if (error != null) {
        held.armed.completeExceptionally(error);
        held.done.complete(null);
      }
    });
    return held;
  }
}
