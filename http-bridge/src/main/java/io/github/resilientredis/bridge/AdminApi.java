package io.github.resilientredis.bridge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The operator's endpoints: {@code GET /health} (the bridge runs), {@code GET /ready} (Redis
 * answers a PING, else 503) and {@code GET /metrics} (Prometheus text). The router checks the
 * token of {@code /metrics} before it calls here; the other two are open.
 */
final class AdminApi {

  static final String HEALTH = "/health";
  static final String READY = "/ready";
  static final String METRICS = "/metrics";

  private final BridgeConfig config;
  private final RedisUsers users;
  /** The bridge's own user's: /ready asks whether Redis answers it. */
  private final RedisGateway redis;
  private final Metrics metrics;
  private final InFlight inFlight;

  AdminApi(BridgeConfig config, RedisUsers users, Metrics metrics, InFlight inFlight) {
    this.config = config;
    this.users = users;
    this.redis = users.own().gateway;
    this.metrics = metrics;
    this.inFlight = inFlight;
  }

  static boolean isAdminPath(String path) {
    return path.equals(HEALTH) || path.equals(READY) || path.equals(METRICS);
  }

  void serve(HttpCall call, String path) throws IOException {
    switch (path) {
      case HEALTH -> {
        call.requireMethod("GET");
        call.readBody(config.maxBody);
        sendStatus(call, 200, "ok");
      }
      case READY -> {
        call.requireMethod("GET");
        call.readBody(config.maxBody);
        boolean ready = redis.ping();
        if (ready) {
          redis.redisAnswered();
        }
        sendStatus(call, ready ? 200 : 503, "ready");
      }
      case METRICS -> {
        call.requireMethod("GET");
        call.readBody(config.maxBody);
        byte[] text = metrics.render(users.poolViews(), inFlight.count(), users.autoPipelines())
            .getBytes(StandardCharsets.UTF_8);
        call.send(200, "text/plain; version=0.0.4; charset=utf-8", text, text.length);
      }
      default -> throw new IllegalArgumentException("not an admin path: " + path);
    }
  }

  private static void sendStatus(HttpCall call, int code, String okWord) throws IOException {
    ByteSink sink = ByteSink.forThisThread();
    var w = HttpCall.json(sink);
    w.beginObject().name("status").value(code == 200 ? okWord : "unavailable").endObject().flush();
    call.sendJson(code, sink);
  }
}
