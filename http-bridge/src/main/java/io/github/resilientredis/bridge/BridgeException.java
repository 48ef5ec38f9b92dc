package io.github.resilientredis.bridge;

/**
 * A request the bridge refuses, with the HTTP status to answer. Thrown by parsing, limits and the
 * ACL; turned into a JSON error reply in one place ({@link Router}).
 */
final class BridgeException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  final int status;
  /** For 405: the methods the path accepts. */
  final String allow;
  /** For a 403 refusal of a command: why, counted in /metrics; null otherwise. */
  final Metrics.Refusal refusal;

  BridgeException(int status, String message) {
    this(status, message, null);
  }

  BridgeException(int status, String message, String allow) {
    this(status, message, allow, null);
  }

  private BridgeException(int status, String message, String allow, Metrics.Refusal refusal) {
    super(message, null, false, false);
    this.status = status;
    this.allow = allow;
    this.refusal = refusal;
  }

  /** 403: a command refused by the bridge's lists, a read-only token, or Redis's ACL. */
  static BridgeException refused(Metrics.Refusal why, String message) {
    return new BridgeException(403, message, null, why);
  }

  static BridgeException badRequest(String message) {
    return new BridgeException(400, message);
  }

  static BridgeException tooLarge(String message) {
    return new BridgeException(413, message);
  }

  static BridgeException methodNotAllowed(String method, String allow) {
    return new BridgeException(405, "method " + method + " is not allowed here; use " + allow,
        allow);
  }
}
