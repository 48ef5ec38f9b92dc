package io.github.resilientredis.bridge.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its reply on a {@link Connection}, as the {@code com.sun.net.httpserver} API
 * describes an exchange, plus what a held request needs ({@link HeldConnection}).
 */
final class Exchange extends HttpExchange implements HeldConnection {

  private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);
  /** An unread body is drained up to this after the reply; beyond, the connection closes. */
  private static final int DRAIN_AT_MOST = 64 * 1024;

  private final Connection connection;
  private final RequestHead head;
  final long requestDeadline;
  private final Headers responseHeaders = new Headers();
  private Context context;
  private Map<String, Object> attributes;
  private HttpPrincipal principal;
  private BodyInput body;
  private BodyOutput reply;
  private InputStream in;
  private OutputStream out;
  private int status = -1;
  private boolean closeAfter;
  private boolean continueSent;
  private boolean closed;
  private boolean broken;

  Exchange(Connection connection, RequestHead head, long requestDeadline) {
    this.connection = connection;
    this.head = head;
    this.requestDeadline = requestDeadline;
  }

  void context(Context context) {
    this.context = context;
  }

  @Override
  public Headers getRequestHeaders() {
    return head.headers;
  }

  @Override
  public Headers getResponseHeaders() {
    return responseHeaders;
  }

  @Override
  public URI getRequestURI() {
    return head.uri;
  }

  @Override
  public String getRequestMethod() {
    return head.method;
  }

  @Override
  public HttpContext getHttpContext() {
    return context;
  }

  @Override
  public InputStream getRequestBody() {
    if (in == null) {
      in = body();
    }
    return in;
  }

  private BodyInput body() {
    if (body == null) {
      body = new BodyInput(this, connection, head);
    }
    return body;
  }

  @Override
  public OutputStream getResponseBody() {
    if (out == null) {
      out = reply != null ? reply : new OutputStream() { // headers not sent yet
        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
          started().write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
          if (reply != null) {
            reply.flush();
          }
        }

        @Override
        public void close() throws IOException {
          if (reply != null) {
            reply.close();
          }
        }
      };
    }
    return out;
  }

  private BodyOutput started() throws IOException {
    if (reply == null) {
      throw new IOException("sendResponseHeaders must come before the body");
    }
    return reply;
  }

  /** At the body's first read: the client that asked to be told to go on is told now. */
  void continueIfAsked() throws IOException {
    if (head.expectContinue && !continueSent && status < 0) {
      continueSent = true;
      connection.write(HttpFormat.CONTINUE, 0, HttpFormat.CONTINUE.length,
          connection.writeDeadline());
    }
  }

  @Override
  public void sendResponseHeaders(int code, long length) throws IOException {
    if (status >= 0) {
      throw new IOException("the reply's headers were already sent (" + status + ")");
    }
    if (code < 100 || code > 999) {
      throw new IllegalArgumentException("not an HTTP status: " + code);
    }
    status = code;
    boolean headRequest = head.method.equals("HEAD");
    boolean statusWithoutBody = code < 200 || code == 204 || code == 304;
    if (!head.keepAlive || connection.server.stopping
        || "close".equalsIgnoreCase(responseHeaders.getFirst("Connection"))) {
      closeAfter = true;
    }
    BodyOutput.Framing framing;
    String lengthHeader = null;
    if (statusWithoutBody) {
      framing = BodyOutput.Framing.NONE;
    } else if (length > 0) {
      framing = BodyOutput.Framing.FIXED;
      lengthHeader = Long.toString(length);
    } else if (length < 0) {
      framing = BodyOutput.Framing.NONE;
      lengthHeader = "0";
    } else if (headRequest) {
      framing = BodyOutput.Framing.NONE;
    } else if (head.http11) {
      framing = BodyOutput.Framing.CHUNKED;
    } else {
      framing = BodyOutput.Framing.UNTIL_CLOSE;
      closeAfter = true;
    }
    StringBuilder text = new StringBuilder(256);
    text.append(head.http11 ? "HTTP/1.1 " : "HTTP/1.0 ").append(code).append(' ')
        .append(HttpFormat.reason(code)).append("\r\n");
    if (!responseHeaders.containsKey("Date")) {
      text.append("Date: ").append(HttpFormat.date()).append("\r\n");
    }
    for (Map.Entry<String, List<String>> header : responseHeaders.entrySet()) {
      String name = header.getKey();
      if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")
          || name.equalsIgnoreCase("Connection")) {
        continue; // the server frames the reply
      }
      for (String value : header.getValue()) {
        text.append(name).append(": ").append(value).append("\r\n");
      }
    }
    if (lengthHeader != null) {
      text.append("Content-Length: ").append(lengthHeader).append("\r\n");
    } else if (framing == BodyOutput.Framing.CHUNKED) {
      text.append("Transfer-Encoding: chunked\r\n");
    }
    if (closeAfter) {
      text.append("Connection: close\r\n");
    } else if (!head.http11) {
      text.append("Connection: keep-alive\r\n");
    }
    text.append("\r\n");
    reply = new BodyOutput(connection, framing, Math.max(length, 0),
        headRequest && !statusWithoutBody);
    reply.head(HttpFormat.ascii(text.toString()));
    if (out == null) {
      out = reply;
    }
  }

  @Override
  public InetSocketAddress getRemoteAddress() {
    return connection.remote;
  }

  @Override
  public int getResponseCode() {
    return status;
  }

  @Override
  public InetSocketAddress getLocalAddress() {
    return connection.local;
  }

  @Override
  public String getProtocol() {
    return head.protocol;
  }

  @Override
  public Object getAttribute(String name) {
    return attributes == null ? null : attributes.get(name);
  }

  @Override
  public void setAttribute(String name, Object value) {
    if (attributes == null) {
      attributes = new HashMap<>();
    }
    if (value == null) {
      attributes.remove(name);
    } else {
      attributes.put(name, value);
    }
  }

  @Override
  public void setStreams(InputStream i, OutputStream o) {
    if (i != null) {
      in = i;
    }
    if (o != null) {
      out = o;
    }
  }

  @Override
  public HttpPrincipal getPrincipal() {
    return principal;
  }

  void principal(HttpPrincipal principal) {
    this.principal = principal;
  }

  /** Ends the exchange: the reply is flushed whole; a reply never started breaks the connection. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (reply == null) {
      broken = true;
      return;
    }
    try {
      if (out != reply) {
        out.close(); // a filter's stream over ours: it closes ours in turn
      }
      reply.close();
    } catch (IOException e) {
      broken = true;
      LOG.trace("a reply could not be finished: {}", e.toString());
    }
  }

  /**
   * After the handler returned: sends a 500 if it never replied, ends the exchange, and drains
   * what it left of the request's body. Whether the connection may serve another request.
   */
  boolean finish() {
    if (status < 0 && connection.isOpen()) {
      failed("ERR the handler sent no reply");
    }
    close();
    if (broken || closeAfter || !reply.complete() || connection.server.stopping) {
      return false;
    }
    if (head.contentLength > 0 || head.chunked) {
      if (head.expectContinue && !continueSent) {
        return false; // the client may be waiting to hear before it sends the body
      }
      return body().drain(DRAIN_AT_MOST);
    }
    return true;
  }

  /** No context's path is a prefix of the request's. */
  void failed404() {
    answerAndClose(404, "ERR nothing is served at this path");
  }

  /** The handler threw: a 500 if nothing was sent yet; the connection closes either way. */
  void failed(String message) {
    if (status >= 0) {
      closeAfter = true;
      broken = true;
      return;
    }
    answerAndClose(500, message);
  }

  /** The server's own error reply in place of the handler's; nothing more on this connection. */
  private void answerAndClose(int code, String message) {
    status = code;
    closeAfter = true;
    broken = true;
    try {
      connection.sendError(code, message);
    } catch (IOException e) {
      LOG.trace("could not send a {}: {}", code, e.toString());
    }
  }

  // HeldConnection

  @Override
  public int descriptor() {
    return connection.fd;
  }

  @Override
  public boolean isOpen() {
    return connection.isOpen();
  }

  @Override
  public OutputStream raw() {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        started().flush(); // nothing of the reply's may be left behind the raw bytes
        connection.write(bytes, offset, length, connection.writeDeadline());
      }
    };
  }

  @Override
  public void replyEndedElsewhere() {
    if (reply != null) {
      reply.endedElsewhere();
    }
  }

  @Override
  public void watchDeparture(Runnable departure) {
    connection.watchDeparture(departure);
  }

  @Override
  public void unwatchDeparture() {
    connection.unwatchDeparture();
  }
}
