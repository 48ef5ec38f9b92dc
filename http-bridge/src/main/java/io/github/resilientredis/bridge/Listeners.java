package io.github.resilientredis.bridge;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLContext;

/**
 * Where the bridge's listening server is made: plain HTTP, or HTTPS when an {@link SSLContext} is
 * given (an {@link HttpsServer} of the same provider, so whichever implementation of the
 * {@code com.sun.net.httpserver} API serves HTTP serves HTTPS too). The caller binds the context
 * and starts it.
 */
final class Listeners {

  private Listeners() {}

  static HttpServer create(HttpServerProvider provider, InetSocketAddress address, int backlog,
      SSLContext tls) throws IOException {
    if (tls == null) {
      return provider.createHttpServer(address, backlog);
    }
    HttpsServer server;
    try {
      server = provider.createHttpsServer(address, backlog);
    } catch (UnsupportedOperationException e) {
      throw new IllegalArgumentException("tls-cert cannot be served by the HTTP server "
          + provider.getClass().getName() + ", which has no HTTPS: '" + e.getMessage() + "'", e);
    }
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    return server;
  }

  static String scheme(SSLContext tls) {
    return tls == null ? "http" : "https";
  }
}
