package io.github.resilientredis.bridge;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The Webdis URL API: {@code GET /COMMAND/arg/arg[.json|.raw|.txt]}. JSON is keyed by the command
 * as typed; a Redis error is {@code [false, "ERR ..."]} with 200, as Webdis answers. Every 200 has
 * an {@code ETag} (the body's MD5) and {@code If-None-Match} gives 304. Redis's ACL refusals
 * ({@link AclErrors}) are 403 with a JSON error, as the bridge's own refusals. One instance per
 * token, as {@link UpstashApi}.
 */
final class WebdisApi {

  static final String RAW = "application/octet-stream";
  static final String TEXT = "text/plain";
  private static final byte[] NO_SEPARATOR = new byte[0];

  private final RedisGateway redis;
  private final CommandPolicy policy;
  private final int maxArgs;

  WebdisApi(RedisGateway redis, CommandPolicy policy, BridgeConfig config) {
    this.redis = redis;
    this.policy = policy;
    this.maxArgs = config.maxArgs;
  }

  /**
   * {@code /COMMAND/arg/arg}, a request body being the last argument; or {@code POST /} with
   * {@code COMMAND/arg/arg} as the body.
   */
  void pathCommand(HttpCall call, String path, String rawQuery, byte[] body) throws IOException {
    Requests.PathCommand command;
    if (path.equals("/")) {
      command = Requests.parseBodyPath(call.method(), body, maxArgs, true);
    } else {
      command = Requests.parsePath(path, body.length > 0 ? List.of(body) : List.of(), maxArgs,
          true);
    }
    command(call, command, rawQuery);
  }

  void command(HttpCall call, Requests.PathCommand request, String rawQuery) throws IOException {
    Command command = request.command();
    policy.check(command, "");
    String verb = null;
    if (request.format() == Requests.Format.JSON) {
      verb = Utf8.decodeOrNull(command.args[0]);
      if (verb == null) {
        throw BridgeException.badRequest("ERR the command name is not valid UTF-8");
      }
    }
    Object reply = redis.call(command, request.db());
    String noPerm = AclErrors.noPermMessage(reply);
    if (noPerm != null) {
      throw BridgeException.refused(Metrics.Refusal.REDIS_NOPERM, noPerm);
    }
    ByteSink sink = ByteSink.forThisThread();
    switch (request.format()) {
      case RAW -> {
        Replies.resp(sink, reply);
        call.sendWithEtag(RAW, sink);
      }
      case TXT -> {
        String sep = Requests.queryParam(rawQuery, "sep");
        byte[] separator = sep == null ? NO_SEPARATOR : sep.getBytes(StandardCharsets.UTF_8);
        if (!Replies.text(sink, reply, separator)) {
          throw new BridgeException(404, "ERR nil: " + command.name + " found no value");
        }
        call.sendWithEtag(TEXT, sink);
      }
      default -> {
        if (!Replies.isUtf8(reply)) {
          throw new BridgeException(406, Replies.notUtf8Message(
              "ask for it with the .raw or .txt extension to receive it intact"));
        }
        JsonWriter w = HttpCall.json(sink);
        Replies.webdis(w, verb, command.name, reply);
        w.flush();
        call.sendWithEtag(HttpCall.JSON, sink);
      }
    }
  }
}
