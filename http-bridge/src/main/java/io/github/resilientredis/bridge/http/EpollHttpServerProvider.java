package io.github.resilientredis.bridge.http;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The provider of {@link EpollHttpServer}, named by class (the bridge's {@code http-server
 * epoll}). It runs on Linux with Java 22+ (the Foreign Function API, for epoll), with
 * {@code java.base/sun.nio.ch} opened to it (a socket channel's descriptor): the bridge's jar
 * opens it in its manifest. {@link #unavailable()} says what is missing. Plain HTTP only.
 */
public final class EpollHttpServerProvider extends HttpServerProvider {

  /** What keeps the server from running here, or null when it can. */
  public static String unavailable() {
    if (Epoll.unavailable() != null) {
      return Epoll.unavailable();
    }
    if (EpollHttpServer.FD == null) {
      return "sockets' descriptors are closed to it: run the jar (its manifest opens them) or"
          + " add --add-opens java.base/sun.nio.ch=ALL-UNNAMED";
    }
    return null;
  }

  @Override
  public HttpServer createHttpServer(InetSocketAddress address, int backlog) throws IOException {
    String why = unavailable();
    if (why != null) {
      throw new IOException("the epoll HTTP server cannot run here: " + why);
    }
    return new EpollHttpServer(address, backlog);
  }

  @Override
  public HttpsServer createHttpsServer(InetSocketAddress address, int backlog) {
    throw new UnsupportedOperationException("the epoll HTTP server serves plain HTTP only");
  }
}
