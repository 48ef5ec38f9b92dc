package io.github.resilientredis.bridge;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Cross-origin access for browser pages that call the bridge directly ({@code fetch},
 * {@code EventSource}): off unless {@code cors-origins} names origins. A listed origin is echoed
 * in {@code Access-Control-Allow-Origin} with {@code Access-Control-Allow-Credentials: true};
 * {@code *} allows any origin, and then never with credentials (browsers refuse that pair).
 * Replies vary by {@code Origin}, so a cache never serves one origin's headers to another.
 *
 * <p>A preflight ({@code OPTIONS} with {@code Access-Control-Request-Method}) is answered here,
 * before the token check: browsers send it without credentials.
 */
final class Cors {

  static final Cors OFF = new Cors(Set.of(), false);
  private static final String METHODS = "GET, POST, PUT, OPTIONS";
  private static final Set<String> METHOD_SET = Set.of("GET", "POST", "PUT", "OPTIONS");
  /** Request headers a page may send; anything else is refused in the preflight. */
  private static final Set<String> HEADERS = Set.of("authorization", "content-type", "accept",
      "upstash-encoding", "last-event-id", "cache-control", "x-requested-with");
  private static final String HEADERS_TEXT =
      "Authorization, Content-Type, Accept, Upstash-Encoding, Last-Event-ID, Cache-Control,"
          + " X-Requested-With";
  private static final String MAX_AGE_SECONDS = "600";

  private final Set<String> origins;
  private final boolean any;

  private Cors(Set<String> origins, boolean any) {
    this.origins = origins;
    this.any = any;
  }

  /**
   * From the setting: origins as {@code scheme://host[:port]}, or {@code *}; empty turns CORS
   * off. A path, a trailing slash or a missing scheme is refused, naming the entry.
   */
  static Cors of(List<String> entries) {
    if (entries == null || entries.isEmpty()) {
      return OFF;
    }
    Set<String> origins = new LinkedHashSet<>();
    boolean any = false;
    for (String entry : entries) {
      String e = entry == null ? "" : entry.strip();
      if (e.equals("*")) {
        any = true;
        continue;
      }
      origins.add(origin(e));
    }
    return new Cors(Set.copyOf(origins), any);
  }

  private static String origin(String entry) {
    URI uri;
    try {
      uri = new URI(entry);
    } catch (URISyntaxException e) {
      uri = null;
    }
    boolean ok = uri != null && uri.getScheme() != null && uri.getHost() != null
        && (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null
        && uri.getRawFragment() == null && uri.getRawUserInfo() == null
        && (uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"));
    if (!ok) {
      throw new IllegalArgumentException("cors-origins takes origins such as"
          + " https://app.example.com or http://localhost:3000 (no path, no trailing slash),"
          + " or *: '" + entry + "'");
    }
    return uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getHost().toLowerCase(Locale.ROOT)
        + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
  }

  boolean enabled() {
    return any || !origins.isEmpty();
  }

  /**
   * Adds the CORS headers to the reply when the request's origin is allowed; answers a
   * preflight and returns true (the request is then done).
   */
  boolean handle(HttpCall call) throws IOException {
    if (!enabled()) {
      return false;
    }
    call.addVary("Origin");
    String origin = call.header("Origin");
    boolean preflight = call.method().equals("OPTIONS")
        && call.header("Access-Control-Request-Method") != null;
    if (origin == null) {
      return false;
    }
    boolean listed = origins.contains(origin.toLowerCase(Locale.ROOT));
    if (!listed && !any) {
      if (preflight) {
        throw new BridgeException(403, "ERR origin " + origin + " is not in cors-origins");
      }
      return false; // served, but the browser keeps the reply from the page
    }
    call.setHeader("Access-Control-Allow-Origin", listed ? origin : "*");
    if (listed) {
      call.setHeader("Access-Control-Allow-Credentials", "true");
    }
    if (!preflight) {
      call.setHeader("Access-Control-Expose-Headers", "ETag, Retry-After");
      return false;
    }
    String method = call.header("Access-Control-Request-Method").strip();
    if (!METHOD_SET.contains(method)) {
      throw BridgeException.methodNotAllowed(method, METHODS);
    }
    String asked = call.header("Access-Control-Request-Headers");
    if (asked != null) {
      for (String header : asked.split(",")) {
        String h = header.strip().toLowerCase(Locale.ROOT);
        if (!h.isEmpty() && !HEADERS.contains(h)) {
          throw new BridgeException(403, "ERR request header " + header.strip()
              + " is not allowed across origins; allowed: " + HEADERS_TEXT);
        }
      }
    }
    call.addVary("Access-Control-Request-Method");
    call.addVary("Access-Control-Request-Headers");
    call.setHeader("Access-Control-Allow-Methods", METHODS);
    call.setHeader("Access-Control-Allow-Headers", HEADERS_TEXT);
    call.setHeader("Access-Control-Max-Age", MAX_AGE_SECONDS);
    call.send(204, null, new byte[0], 0);
    return true;
  }
}
