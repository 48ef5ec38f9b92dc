package io.github.resilientredis.bridge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.github.resilientredis.bridge.Metrics.Api;
import io.github.resilientredis.pool.RedisPool;
import io.github.resilientredis.pool.RedisPoolException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The one handler behind every path: routes a request to its API, checks the token, and maps every
 * failure to a status and a JSON error in one place ({@link #fail}).
 *
 * <p>One rule tells the APIs apart: a JSON body ({@code POST /} with a JSON array,
 * {@code /pipeline}, {@code /multi-exec}) speaks Upstash; a command in the path speaks Webdis, or
 * Upstash with {@code path-style upstash}.
 */
final class Router implements HttpHandler {

  private static final Logger LOG = LoggerFactory.getLogger(Router.class);
  private static final String COMMAND_METHODS = "GET, POST, PUT";

  private final BridgeConfig config;
  /** The Redis users requests run as; each token's {@link Access} says which and how. */
  private final RedisUsers users;
  /** Holds the outage state: one Redis behind every user, so one WARN per outage. */
  private final RedisGateway redis;
  private final Metrics metrics;
  private final AdminApi admin;
  private final InFlight inFlight;

  Router(BridgeConfig config, RedisUsers users, Metrics metrics, InFlight inFlight) {
    this.config = config;
    this.inFlight = inFlight;
    this.users = users;
    this.redis = users.own().gateway;
    this.metrics = metrics;
    this.admin = new AdminApi(config, users, metrics, inFlight);
  }

  @Override
  public void handle(HttpExchange exchange) {
    long start = System.nanoTime();
    HttpCall call = new HttpCall(exchange);
    if (!inFlight.enter()) {
      try (exchange) {
        call.setHeader("Connection", "close");
        fail(call, new BridgeException(503, "ERR the bridge is shutting down"));
      } finally {
        metrics.request(call.api, call.status, System.nanoTime() - start);
      }
      return;
    }
    try (exchange) {
      try {
        route(call);
        if (call.api != Api.ADMIN && call.api != Api.OTHER) {
          redis.redisAnswered();
        }
      } catch (RuntimeException | IOException e) {
        fail(call, e);
      }
    } finally {
      inFlight.exit();
      metrics.request(call.api, call.status, System.nanoTime() - start);
    }
  }

  private void route(HttpCall call) throws IOException {
    URI uri = call.exchange.getRequestURI();
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String query = uri.getRawQuery();
    String method = call.method();
    if (path.length() + (query == null ? 0 : query.length() + 1) > config.maxUrl) {
      throw new BridgeException(414, "ERR the URL is longer than max-url (" + config.maxUrl
          + " characters); send large values in a request body");
    }
    if (config.cors.handle(call)) {
      return; // a preflight, answered
    }
    if (AdminApi.isAdminPath(path)) {
      call.api = Api.ADMIN;
      if (path.equals(AdminApi.METRICS)) {
        authorize(call, query);
      }
      admin.serve(call, path);
      return;
    }
    switch (path) {
      case "/pipeline", "/multi-exec" -> {
        call.api = Api.UPSTASH;
        Access access = authorize(call, query);
        call.requireMethod("POST");
        byte[] body = call.readBody(config.maxBody);
        if (path.equals("/pipeline")) {
          access.upstash.pipeline(call, body);
        } else {
          access.upstash.multiExec(call, body);
        }
        return;
      }
      default -> {
        // a command: below
      }
    }
    if (Subscriptions.isHeldPath(path)) {
      call.api = Api.SUBSCRIBE;
      Access access = authorize(call, query);
      if (!method.equals("GET") && !method.equals("POST")) {
        throw BridgeException.methodNotAllowed(method, "GET, POST");
      }
      call.readBody(config.maxBody);
      access.subscriptions().hold(call, path, query);
      return;
    }
    boolean upstashPaths = config.pathStyle == PathStyle.UPSTASH;
    boolean root = path.equals("/");
    call.api = upstashPaths || (root && declaredJson(call)) ? Api.UPSTASH : Api.WEBDIS;
    Access access = authorize(call, query); // before reading a body, which may be large
    if (!method.equals("GET") && !method.equals("POST") && !method.equals("PUT")) {
      throw BridgeException.methodNotAllowed(method, COMMAND_METHODS);
    }
    byte[] body = call.readBody(config.maxBody);
    if (root && method.equals("POST") && (declaredJson(call) || startsLikeJson(body))) {
      call.api = Api.UPSTASH;
      access.upstash.jsonCommand(call, body);
    } else if (upstashPaths) {
      access.upstash.pathCommand(call, path, query, body);
    } else {
      access.webdis.pathCommand(call, path, query, body);
    }
  }

  private static boolean declaredJson(HttpCall call) {
    String type = call.header("Content-Type");
    return type != null && type.toLowerCase(Locale.ROOT).contains("json");
  }

  /** A body starting with '[', as {@code curl -d '[...]'} sends JSON (as a form). */
  private static boolean startsLikeJson(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return b == '[';
      }
    }
    return false;
  }

  /** The access of the request's token (401 without a right one), or everything when auth is off. */
  private Access authorize(HttpCall call, String query) {
    if (!users.authRequired()) {
      return users.anonymous();
    }
    String given = null;
    String header = call.header("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      given = header.substring(7).strip();
    } else if (query != null && query.contains("_token=")) {
      given = Requests.queryParam(query, "_token");
    }
    Access access = given == null ? null : users.forToken(given);
    if (access != null) {
      return access;
    }
    call.setHeader("WWW-Authenticate", "Bearer");
    throw new BridgeException(401, given == null
        ? "Unauthorized: send the token as Authorization: Bearer <token> or ?_token=<token>"
        : "Unauthorized: wrong token");
  }

  /** The one place where a failure becomes a status and a JSON error. */
  private void fail(HttpCall call, Exception e) {
    if (call.responded) {
      LOG.debug("failure after the reply was sent: {}", e.toString());
      return;
    }
    int code;
    String message;
    if (e instanceof BridgeException b) {
      if (b.refusal != null) {
        metrics.refused(b.refusal);
      }
      code = b.status;
      message = b.getMessage();
      if (b.allow != null) {
        call.setHeader("Allow", b.allow);
      }
    } else if (e instanceof RedisPoolException p) {
      code = 503;
      message = switch (p.reason()) {
        case TIMEOUT -> {
          metrics.redisError(Metrics.RedisError.BUSY);
          yield "ERR no Redis connection became free within borrow-timeout ("
              + BridgeConfig.millis(config.borrowTimeout) + "); every one of pool-size ("
              + config.poolSize + ") is busy";
        }
        case UNREACHABLE -> {
          metrics.redisError(Metrics.RedisError.UNREACHABLE);
          yield redis.redisDown("ERR Redis is unreachable at " + config.redisDisplay
              + (p.getCause() == null ? "" : ": " + p.getCause().getMessage()));
        }
        default -> {
          metrics.redisError(Metrics.RedisError.CLOSED);
          yield "ERR the bridge is shutting down";
        }
      };
    } else if (e instanceof JedisConnectionException c && RedisPool.isReadTimeout(c)) {
      metrics.redisError(Metrics.RedisError.TIMEOUT);
      code = 504;
      message = "ERR Redis did not answer within command-timeout ("
          + BridgeConfig.millis(config.commandTimeout) + ")";
    } else if (e instanceof JedisConnectionException c) {
      metrics.redisError(Metrics.RedisError.CONNECTION_LOST);
      code = 503;
      message = redis.redisDown("ERR the connection to Redis was lost: " + c.getMessage());
    } else if (e instanceof JedisDataException d) {
      code = 400;
      message = d.getMessage();
    } else if (e instanceof IOException io) {
      LOG.debug("could not read the request: {}", io.toString());
      code = 400;
      message = "ERR could not read the request: " + io.getMessage();
    } else {
      LOG.error("unexpected failure on {} {}", call.method(), call.exchange.getRequestURI()
          .getRawPath(), e);
      code = 500;
      message = "ERR internal error in the bridge: " + e.getClass().getSimpleName();
    }
    if (code == 503 || code == 429) {
      call.setHeader("Retry-After", "1");
    }
    if (code != 413) { // a body over max-body is not read: its connection is closed instead
      call.discardBody();
    }
    try {
      call.sendError(code, message);
    } catch (IOException | RuntimeException sendFailure) {
      LOG.debug("could not send the error reply: {}", sendFailure.toString());
    }
  }
}
