package io.github.resilientredis.bridge.http;

import com.google.gson.JsonPrimitive;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The bytes of HTTP/1.1 that the server writes itself: status lines, dates, its own errors. */
final class HttpFormat {

  static final byte[] CONTINUE = ascii("HTTP/1.1 100 Continue\r\n\r\n");
  static final byte[] CRLF = ascii("\r\n");
  static final byte[] LAST_CHUNK = ascii("0\r\n\r\n");

  /**
   * IMF-fixdate, which RFC 9110 5.6.7 says a sender must use: a two-digit day, where the JDK's
   * RFC_1123_DATE_TIME writes "Tue, 3 Jun 2008" from the 1st to the 9th of a month.
   */
  private static final DateTimeFormatter IMF_FIXDATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);
  private static volatile String date = "";
  private static volatile long dateSecond = -1;

  private HttpFormat() {}

  /** The Date header's value (RFC 9110 5.6.7), formatted once a second. */
  static String date() {
    long second = System.currentTimeMillis() / 1000;
    if (second != dateSecond) {
      date = IMF_FIXDATE.format(ZonedDateTime.now(ZoneOffset.UTC));
      dateSecond = second;
    }
    return date;
  }

  /** A whole reply {@code {"error": message}} from the server itself, which then closes. */
  static byte[] errorReply(int status, String message) {
    byte[] body = ("{\"error\":" + new JsonPrimitive(message) + "}")
        .getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\nDate: " + date()
        + "\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: " + body.length
        + "\r\nConnection: close\r\n\r\n";
    byte[] headBytes = ascii(head);
    byte[] reply = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, reply, 0, headBytes.length);
    System.arraycopy(body, 0, reply, headBytes.length, body.length);
    return reply;
  }

  /** The reason phrase of a status, or "Status" for one this server does not know. */
  static String reason(int status) {
    return switch (status) {
      case 100 -> "Continue";
      case 101 -> "Switching Protocols";
      case 200 -> "OK";
      case 201 -> "Created";
      case 202 -> "Accepted";
      case 204 -> "No Content";
      case 206 -> "Partial Content";
      case 301 -> "Moved Permanently";
      case 302 -> "Found";
      case 303 -> "See Other";
      case 304 -> "Not Modified";
      case 307 -> "Temporary Redirect";
      case 308 -> "Permanent Redirect";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 406 -> "Not Acceptable";
      case 408 -> "Request Timeout";
      case 409 -> "Conflict";
      case 411 -> "Length Required";
      case 413 -> "Content Too Large";
      case 414 -> "URI Too Long";
      case 415 -> "Unsupported Media Type";
      case 417 -> "Expectation Failed";
      case 422 -> "Unprocessable Content";
      case 429 -> "Too Many Requests";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 501 -> "Not Implemented";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      case 505 -> "HTTP Version Not Supported";
      default -> "Status";
    };
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
