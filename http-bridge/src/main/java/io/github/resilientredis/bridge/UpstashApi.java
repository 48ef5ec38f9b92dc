package io.github.resilientredis.bridge;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The Upstash REST API: {@code {"result": ...}} or {@code {"error": "..."}} for one command (a
 * Redis error is 400 with its text unchanged), and for {@code /pipeline} and {@code /multi-exec} 200
 * with an array of those in order. Every reply carries {@code upstash-sync-token}. One instance per
 * token: its gateway runs commands as the token's Redis user, its policy holds the token's limits.
 * Redis's ACL refusals ({@link AclErrors}) are 403, or the entry's error inside a pipeline.
 */
final class UpstashApi {

  static final String SYNC_TOKEN = "upstash-sync-token";
  private static final String USE_BASE64 = "send the header Upstash-Encoding: base64 to receive it"
      + " intact";

  private final RedisGateway redis;
  private final CommandPolicy policy;
  private final BridgeConfig config;
  private final Metrics metrics;

  UpstashApi(RedisGateway redis, CommandPolicy policy, BridgeConfig config, Metrics metrics) {
    this.redis = redis;
    this.policy = policy;
    this.config = config;
    this.metrics = metrics;
  }

  /** {@code POST /} with a JSON array such as {@code ["GET","key"]}. */
  void jsonCommand(HttpCall call, byte[] body) throws IOException {
    single(call, Requests.parseJsonCommand(body, config.maxArgs), -1);
  }

  /**
   * Path style {@code upstash}: {@code /get/key}, query pairs ({@code ?EX=100}) and then a request
   * body being the last arguments; or {@code POST /} with {@code COMMAND/arg/arg} as the body.
   */
  void pathCommand(HttpCall call, String path, String rawQuery, byte[] body) throws IOException {
    Requests.PathCommand command;
    if (path.equals("/")) {
      command = Requests.parseBodyPath(call.method(), body, config.maxArgs, false);
    } else {
      List<byte[]> extra = new ArrayList<>(2);
      Requests.queryArgs(rawQuery, extra);
      if (body.length > 0) {
        extra.add(body);
      }
      command = Requests.parsePath(path, extra, config.maxArgs, false);
    }
    single(call, command.command(), command.db());
  }

  /** One command ({@code POST /} with a JSON array, or a path in Upstash style). */
  void single(HttpCall call, Command command, int db) throws IOException {
    policy.check(command, "");
    Object reply;
    try {
      reply = redis.call(command, db);
    } finally {
      call.setHeader(SYNC_TOKEN, redis.syncToken());
    }
    boolean base64 = base64(call);
    if (reply instanceof JedisDataException error) {
      String noPerm = AclErrors.noPermMessage(error);
      if (noPerm != null) {
        throw BridgeException.refused(Metrics.Refusal.REDIS_NOPERM, noPerm);
      }
      call.sendError(400, error.getMessage());
      return;
    }
    if (!base64 && !Replies.isUtf8(reply)) {
      throw new BridgeException(406, Replies.notUtf8Message(USE_BASE64));
    }
    ByteSink sink = ByteSink.forThisThread();
    JsonWriter w = HttpCall.json(sink);
    w.beginObject().name("result");
    Replies.upstash(w, reply, base64);
    w.endObject().flush();
    call.sendJson(200, sink);
  }

  /** {@code POST /pipeline}: every command runs in order on one connection; not atomic. */
  void pipeline(HttpCall call, byte[] body) throws IOException {
    List<Command> commands = Requests.parseJsonCommands(body, config.maxArgs, config.maxPipeline);
    check(commands);
    List<Object> replies;
    try {
      replies = redis.pipeline(commands);
    } finally {
      call.setHeader(SYNC_TOKEN, redis.syncToken());
    }
    sendAll(call, replies);
  }

  /** {@code POST /multi-exec}: MULTI, the commands, EXEC on one connection; all run or none. */
  void multiExec(HttpCall call, byte[] body) throws IOException {
    List<Command> commands = Requests.parseJsonCommands(body, config.maxArgs, config.maxPipeline);
    check(commands);
    RedisGateway.Transaction tx;
    try {
      tx = redis.multiExec(commands);
    } finally {
      call.setHeader(SYNC_TOKEN, redis.syncToken());
    }
    String refusedToQueue = AclErrors.noPermMessage(tx.queueError());
    if (refusedToQueue != null) {
      throw BridgeException.refused(Metrics.Refusal.REDIS_NOPERM, refusedToQueue
          + (tx.queueErrorIndex() >= 0 ? " (command " + tx.queueErrorIndex() + ")" : "")
          + "; EXECABORT: the transaction was discarded, nothing ran");
    }
    if (tx.queueError() != null) {
      String abort = tx.exec() instanceof JedisDataException e ? e.getMessage()
          : "EXECABORT Transaction discarded because of previous errors.";
      call.sendError(400, abort + " Command " + tx.queueErrorIndex() + ": "
          + tx.queueError().getMessage());
      return;
    }
    if (tx.exec() instanceof JedisDataException error) {
      String noPerm = AclErrors.noPermMessage(error);
      if (noPerm != null) {
        throw BridgeException.refused(Metrics.Refusal.REDIS_NOPERM, noPerm);
      }
      call.sendError(400, error.getMessage());
      return;
    }
    if (!(tx.exec() instanceof List<?> replies)) {
      call.sendError(400, "EXECABORT the transaction was aborted");
      return;
    }
    sendAll(call, replies);
  }

  private void check(List<Command> commands) {
    for (int i = 0; i < commands.size(); i++) {
      policy.check(commands.get(i), " (command " + i + ")");
    }
  }

  /** 200 with every reply in order; an ACL refusal is that entry's error, the others are kept. */
  private void sendAll(HttpCall call, List<?> replies) throws IOException {
    boolean base64 = base64(call);
    ByteSink sink = ByteSink.forThisThread();
    JsonWriter w = HttpCall.json(sink);
    w.beginArray();
    for (Object reply : replies) {
      w.beginObject();
      if (reply instanceof JedisDataException error) {
        String noPerm = AclErrors.noPermMessage(error);
        if (noPerm != null) {
          metrics.refused(Metrics.Refusal.REDIS_NOPERM);
        }
        w.name("error").value(noPerm != null ? noPerm : error.getMessage());
      } else if (!base64 && !Replies.isUtf8(reply)) {
        w.name("error").value(Replies.notUtf8Message(USE_BASE64));
      } else {
        w.name("result");
        Replies.upstash(w, reply, base64);
      }
      w.endObject();
    }
    w.endArray().flush();
    call.sendJson(200, sink);
  }

  private static boolean base64(HttpCall call) {
    String encoding = call.header("Upstash-Encoding");
    return encoding != null && encoding.strip().equalsIgnoreCase("base64");
  }
}
