package io.github.resilientredis.bridge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The epoll server's request parser on its own (it needs no epoll, so it runs on every JDK):
 * what it accepts, and the status and reason of what it refuses. {@code EpollHttpServerIT} drives
 * the same over sockets.
 */
class RequestHeadTest {

  @Test
  void aRequestLineAndHeadersAreParsed() throws Exception {
    RequestHead head = parse("GET /GET/k?x=1 HTTP/1.1\r\nHost: a\r\nX-Two: 1\r\nx-two:  2 \r\n");
    assertEquals("GET", head.method);
    assertEquals("/GET/k", head.uri.getRawPath());
    assertEquals("x=1", head.uri.getRawQuery());
    assertEquals("HTTP/1.1", head.protocol);
    assertEquals(java.util.List.of("1", "2"), head.headers.get("X-Two"));
    assertTrue(head.keepAlive);
    assertEquals(-1, head.contentLength);
    assertFalse(head.chunked);
  }

  @Test
  void http10KeepsTheConnectionOnlyWhenAskedAndCloseAlwaysWins() throws Exception {
    assertFalse(parse("GET / HTTP/1.0\r\n").keepAlive);
    assertTrue(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n").keepAlive);
    assertFalse(parse("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n").keepAlive);
    assertFalse(parse("GET / HTTP/1.1\r\nConnection: close\r\n").keepAlive);
  }

  @Test
  void bodiesAreFramedByOneLengthOrChunks() throws Exception {
    assertEquals(5, parse("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n")
        .contentLength);
    RequestHead chunked = parse("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n"
        + "Expect: 100-continue\r\n");
    assertTrue(chunked.chunked);
    assertTrue(chunked.expectContinue);
    assertFalse(parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n")
        .expectContinue);
  }

  @Test
  void ambiguousBodiesAreRefused() {
    refused(400, "two different Content-Length",
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n");
    refused(400, "both Content-Length and Transfer-Encoding",
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n");
    refused(400, "only 'Transfer-Encoding: chunked'",
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n");
    refused(400, "bad Content-Length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n");
    refused(400, "bad Content-Length", "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n");
  }

  @Test
  void malformedLinesAreRefusedNamingWhatIsWrong() {
    refused(400, "not an HTTP request line", "GET\r\n");
    refused(400, "HTTP/1.1 or HTTP/1.0 only", "GET / HTTP/2.0\r\n");
    refused(400, "method is not a token", "G(T / HTTP/1.1\r\n");
    refused(400, "a space or control byte in the request target", "GET /a\tb HTTP/1.1\r\n");
    refused(400, "folded over lines", "GET / HTTP/1.1\r\nA: 1\r\n  2\r\n");
    refused(400, "not a token: 'Bad Name'", "GET / HTTP/1.1\r\nBad Name: 1\r\n");
    refused(400, "a control byte in the value", "GET / HTTP/1.1\r\nA: 1\u00012\r\n");
    refused(400, "bad request target", "GET /a|b HTTP/1.1\r\n");
  }

  @Test
  void bytesAboveAsciiInTheTargetAreLeftToTheHandler() throws Exception {
    RequestHead head = parse("GET /SET/k/\u00ff\u00fe HTTP/1.1\r\n");
    assertEquals("/SET/k/\u00ff\u00fe", head.uri.getRawPath());
  }

  @Test
  void aHeadEndsAtItsFirstEmptyLineAndAnOversizedOneIsNamed() {
    byte[] bytes = "GET / HTTP/1.1\r\nA: 1\r\n\r\nnext".getBytes(StandardCharsets.ISO_8859_1);
    assertEquals(20, RequestHead.end(bytes, 0, bytes.length));
    assertEquals(-1, RequestHead.end(bytes, 0, 22));
    byte[] line = "GET /aaaa".getBytes(StandardCharsets.ISO_8859_1);
    assertEquals(414, RequestHead.tooLarge(line, 0, line.length, 9, "").status);
    RequestHead.Refusal headers = RequestHead.tooLarge(bytes, 0, 20, 20, " (max-url is 16)");
    assertEquals(431, headers.status);
    assertEquals("ERR the request's line and headers are longer than 20 bytes (max-url is 16)",
        headers.getMessage());
  }

  private static RequestHead parse(String head) throws RequestHead.Refusal {
    byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
    return RequestHead.parse(bytes, 0, bytes.length - 2); // without the last line's CRLF
  }

  private static void refused(int status, String reason, String head) {
    RequestHead.Refusal refusal = assertThrows(RequestHead.Refusal.class, () -> parse(head),
        head);
    assertEquals(status, refusal.status, refusal.getMessage());
    assertTrue(refusal.getMessage().contains(reason), refusal.getMessage());
  }
}
