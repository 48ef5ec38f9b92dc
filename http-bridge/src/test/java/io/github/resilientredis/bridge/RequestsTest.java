package io.github.resilientredis.bridge;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilientredis.bridge.Requests.Format;
import io.github.resilientredis.bridge.Requests.PathCommand;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestsTest {

  private static PathCommand webdis(String path) {
    return Requests.parsePath(path, List.of(), 1000, true);
  }

  private static List<String> args(Command c) {
    List<String> out = new ArrayList<>();
    for (byte[] a : c.args) {
      out.add(new String(a, UTF_8));
    }
    return out;
  }

  @Test
  void splitsTheRawPathThenDecodesEachArgument() {
    PathCommand p = webdis("/SET/a%2Fb/x%20y+z%2B");
    assertEquals(List.of("SET", "a/b", "x y z+"), args(p.command()));
    assertEquals(-1, p.db());
    assertEquals(Format.JSON, p.format());
    assertEquals("SET", p.command().name);
  }

  @Test
  void decodesPercentEscapesToRawBytes() {
    PathCommand p = webdis("/SET/k/%00%ff%C3%A9");
    assertArrayEquals(new byte[] {0, (byte) 0xff, (byte) 0xc3, (byte) 0xa9},
        p.command().args[2]);
  }

  @Test
  void leavesABrokenEscapeAsItIs() {
    assertEquals(List.of("GET", "100%", "%zz", "%4"), args(webdis("/GET/100%/%zz/%4").command()));
  }

  @Test
  void takesTheExtensionOffTheLastArgument() {
    PathCommand raw = webdis("/GET/key.raw");
    assertEquals(Format.RAW, raw.format());
    assertEquals(List.of("GET", "key"), args(raw.command()));
    assertEquals(Format.TXT, webdis("/GET/key.txt").format());
    assertEquals(Format.JSON, webdis("/INFO.json").format());
    assertEquals(List.of("INFO"), args(webdis("/INFO.json").command()));
  }

  @Test
  void keepsAnUnknownOrEscapedExtension() {
    assertEquals(List.of("GET", "file.png"), args(webdis("/GET/file.png").command()));
    assertEquals(List.of("GET", "a.txt"), args(webdis("/GET/a%2Etxt").command()));
    assertEquals(List.of("GET", "a.b/c"), args(webdis("/GET/a.b%2Fc").command()));
  }

  @Test
  void upstashPathsHaveNoExtensions() {
    PathCommand p = Requests.parsePath("/get/file.txt", List.of(), 1000, false);
    assertEquals(List.of("get", "file.txt"), args(p.command()));
    assertEquals(Format.JSON, p.format());
  }

  @Test
  void aLeadingNumberSelectsTheDatabase() {
    PathCommand p = webdis("/3/GET/k");
    assertEquals(3, p.db());
    assertEquals(List.of("GET", "k"), args(p.command()));
    assertEquals(-1, webdis("/GET/3").db());
    BridgeException noCommand = assertThrows(BridgeException.class, () -> webdis("/3/"));
    assertEquals(400, noCommand.status);
    assertEquals(400, assertThrows(BridgeException.class, () -> webdis("/99999999999/GET/k")).status);
  }

  @Test
  void emptySegmentsAreEmptyArguments() {
    assertEquals(List.of("SET", "k", ""), args(webdis("/SET/k/").command()));
  }

  @Test
  void refusesAPathWithoutCommand() {
    assertEquals(400, assertThrows(BridgeException.class, () -> webdis("/")).status);
    assertEquals(400, assertThrows(BridgeException.class, () -> webdis("//GET")).status);
  }

  @Test
  void appendsQueryPairsAndBodyAfterThePath() {
    List<byte[]> extra = new ArrayList<>();
    Requests.queryArgs("EX=100&NX&_token=secret&a%20b=c+d", extra);
    extra.add("body".getBytes(UTF_8));
    PathCommand p = Requests.parsePath("/set/k", extra, 1000, false);
    assertEquals(List.of("set", "k", "EX", "100", "NX", "a b", "c d", "body"), args(p.command()));
  }

  @Test
  void readsOneQueryParameter() {
    assertEquals("s3cret/x", Requests.queryParam("a=1&_token=s3cret%2Fx&b", "_token"));
    assertEquals(null, Requests.queryParam("a=1&x_token=2", "_token"));
    assertEquals(null, Requests.queryParam(null, "_token"));
  }

  @Test
  void limitsTheNumberOfArguments() {
    BridgeException e = assertThrows(BridgeException.class,
        () -> Requests.parsePath("/MSET/a/1/b/2", List.of(), 4, true));
    assertEquals(413, e.status);
    assertTrue(e.getMessage().contains("max-args"), e.getMessage());
  }

  @Test
  void parsesAnUpstashJsonCommand() {
    Command c = Requests.parseJsonCommand(
        "[\"set\",\"k\",\"v\u00e9\",\"EX\",100,true,1.5]".getBytes(UTF_8), 100);
    assertEquals(List.of("set", "k", "v\u00e9", "EX", "100", "true", "1.5"), args(c));
    assertEquals("SET", c.name);
  }

  @Test
  void refusesWhatIsNotAnArrayOfScalars() {
    for (String body : List.of("", "{}", "[]", "[null]", "[\"GET\",[1]]", "[\"GET\",{}]",
        "[\"GET\"", "[\"GET\"] x", "\"GET\"", "[\"\"]", "[\"GET\",null]")) {
      BridgeException e = assertThrows(BridgeException.class,
          () -> Requests.parseJsonCommand(body.getBytes(UTF_8), 100), body);
      assertEquals(400, e.status, body);
    }
  }

  @Test
  void refusesABodyThatIsNotUtf8() {
    byte[] body = {'[', '"', 'G', (byte) 0xff, '"', ']'};
    BridgeException e = assertThrows(BridgeException.class,
        () -> Requests.parseJsonCommand(body, 100));
    assertEquals(400, e.status);
    assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
  }

  @Test
  void parsesAPipeline() {
    List<Command> commands = Requests.parseJsonCommands(
        "[[\"SET\",\"a\",\"1\"],[\"INCR\",\"a\"]]".getBytes(UTF_8), 100, 10);
    assertEquals(2, commands.size());
    assertEquals(List.of("INCR", "a"), args(commands.get(1)));
    assertEquals(413, assertThrows(BridgeException.class, () -> Requests.parseJsonCommands(
        "[[\"PING\"],[\"PING\"],[\"PING\"]]".getBytes(UTF_8), 100, 2)).status);
    assertEquals(400, assertThrows(BridgeException.class, () -> Requests.parseJsonCommands(
        "[]".getBytes(UTF_8), 100, 2)).status);
    assertEquals(400, assertThrows(BridgeException.class, () -> Requests.parseJsonCommands(
        "[\"GET\",\"a\"]".getBytes(UTF_8), 100, 2)).status);
    BridgeException e = assertThrows(BridgeException.class, () -> Requests.parseJsonCommands(
        "[[\"GET\",\"a\"],[]]".getBytes(UTF_8), 100, 5));
    assertTrue(e.getMessage().contains("command 1"), e.getMessage());
  }
}
