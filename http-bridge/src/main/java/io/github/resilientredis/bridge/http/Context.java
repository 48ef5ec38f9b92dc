package io.github.resilientredis.bridge.http;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A path prefix, its handler, its filters and its authenticator, as the API defines them. */
final class Context extends HttpContext {

  private final String path;
  private final EpollHttpServer server;
  private final Map<String, Object> attributes = new ConcurrentHashMap<>();
  private final List<Filter> filters = new CopyOnWriteArrayList<>();
  private volatile HttpHandler handler;
  private volatile Authenticator authenticator;

  Context(String path, HttpHandler handler, EpollHttpServer server) {
    this.path = path;
    this.handler = handler;
    this.server = server;
  }

  /** Runs the filters, the authenticator and the handler on the exchange. */
  void handle(HttpExchange exchange) throws IOException {
    HttpHandler target = handler;
    if (target == null) {
      throw new IOException("no handler for context " + path);
    }
    Authenticator auth = authenticator;
    HttpHandler last = auth == null ? target : e -> authenticated(auth, target, e);
    if (filters.isEmpty()) {
      last.handle(exchange);
    } else {
      new Filter.Chain(filters, last).doFilter(exchange);
    }
  }

  private static void authenticated(Authenticator auth, HttpHandler target, HttpExchange e)
      throws IOException {
    Authenticator.Result result = auth.authenticate(e);
    if (result instanceof Authenticator.Success success) {
      if (e instanceof Exchange exchange) { // a filter may have wrapped it: no principal then
        exchange.principal(success.getPrincipal());
      }
      target.handle(e);
    } else {
      int code = result instanceof Authenticator.Failure failure ? failure.getResponseCode()
          : ((Authenticator.Retry) result).getResponseCode();
      e.sendResponseHeaders(code, -1);
      e.close();
    }
  }

  @Override
  public HttpHandler getHandler() {
    return handler;
  }

  @Override
  public void setHandler(HttpHandler handler) {
    if (handler == null) {
      throw new NullPointerException("handler");
    }
    if (this.handler != null) {
      throw new IllegalArgumentException("the context " + path + " has a handler already");
    }
    this.handler = handler;
  }

  @Override
  public String getPath() {
    return path;
  }

  @Override
  public HttpServer getServer() {
    return server;
  }

  @Override
  public Map<String, Object> getAttributes() {
    return attributes;
  }

  @Override
  public List<Filter> getFilters() {
    return filters;
  }

  @Override
  public Authenticator setAuthenticator(Authenticator auth) {
    Authenticator previous = authenticator;
    authenticator = auth;
    return previous;
  }

  @Override
  public Authenticator getAuthenticator() {
    return authenticator;
  }
}
