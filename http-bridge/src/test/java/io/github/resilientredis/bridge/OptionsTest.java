package io.github.resilientredis.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OptionsTest {

  private static String error(String[] args, Map<String, String> env) {
    return assertThrows(IllegalArgumentException.class, () -> Options.parse(args, env))
        .getMessage();
  }

  @Test
  void readsDurationsSizesAndLists() {
    assertEquals(Duration.ofMillis(500), Options.duration("--x", "500ms"));
    assertEquals(Duration.ofSeconds(5), Options.duration("--x", "5s"));
    assertEquals(Duration.ofMinutes(2), Options.duration("--x", "2m"));
    assertEquals(Duration.ofHours(1), Options.duration("--x", "1h"));
    assertEquals(Duration.ofSeconds(3), Options.duration("--x", "PT3S"));
    assertEquals(16 * 1024 * 1024, Options.size("--x", "16m"));
    assertEquals(64 * 1024, Options.size("--x", "64k"));
    assertEquals(1000, Options.size("--x", "1000"));
    assertEquals(List.of("GET", "CONFIG|GET"), Options.list(" GET, ,CONFIG|GET "));
  }

  @Test
  void badValuesNameTheSettingAndTheValue() {
    assertEquals("--port: not a whole number: 'abc'", error(new String[] {"--port", "abc"},
        Map.of()));
    String duration = error(new String[] {"--command-timeout=5"}, Map.of());
    assertTrue(duration.startsWith("--command-timeout: not a duration: '5'"), duration);
    String size = error(new String[] {"--max-body", "3x"}, Map.of());
    assertTrue(size.startsWith("--max-body: not a size: '3x'"), size);
    assertTrue(error(new String[] {"--max-body", "4g"}, Map.of()).contains("too large"));
    String env = error(new String[0], Map.of("BRIDGE_PORT", "seven"));
    assertEquals("environment BRIDGE_PORT: not a whole number: 'seven'", env);
    assertTrue(error(new String[] {"--path-style", "redis"}, Map.of())
        .contains("webdis or upstash"));
  }

  @Test
  void unknownOptionsAndMissingValuesAreErrors() {
    assertEquals("unknown option --nope (see --help)", error(new String[] {"--nope", "1"},
        Map.of()));
    assertEquals("--port needs a value (see --help)", error(new String[] {"--port"}, Map.of()));
    assertTrue(error(new String[] {"stray"}, Map.of()).contains("unexpected argument 'stray'"));
  }

  @Test
  void flagsWinOverTheEnvironment() {
    Options.Parsed parsed = Options.parse(new String[] {"--keepalive-idle", "5s"},
        Map.of("BRIDGE_KEEPALIVE_IDLE", "9s", "BRIDGE_LOG_LEVEL", "debug", "BRIDGE_PORT", ""));
    assertEquals(Duration.ofSeconds(5), parsed.keepAliveIdle);
    assertEquals("debug", parsed.logLevel);
  }

  @Test
  void tokenFlagsAddUpAndReplaceTheEnvironment() {
    assertEquals(List.of("a", "b=app:pw", "c=ro"), Options.parse(new String[] {"--token", "a",
        "--token=b=app:pw,c=ro"}, Map.of("BRIDGE_TOKEN", "env")).tokens);
    assertEquals(List.of("e1", "e2=ro"),
        Options.parse(new String[] {}, Map.of("BRIDGE_TOKEN", "e1,e2=ro")).tokens);
    Options.parse(new String[] {"--tokens-file", "/some/file"}, Map.of());
  }

  @Test
  void allowDangerousTakesAnOptionalList() {
    BridgeConfig bare = Options.parse(new String[] {"--allow-dangerous", "--port", "1"}, Map.of())
        .builder.config();
    assertTrue(bare.allowAllDangerous, "a bare --allow-dangerous allows every dangerous command");
    assertEquals(1, bare.port, "the next option is not taken as its value");
    BridgeConfig listed = Options.parse(new String[] {"--allow-dangerous", "FLUSHDB,CONFIG|GET"},
        Map.of()).builder.config();
    assertFalse(listed.allowAllDangerous);
    assertEquals(Set.of("FLUSHDB", "CONFIG|GET"), listed.allowDangerous);
    assertFalse(Options.parse(new String[0], Map.of()).builder.config().allowAllDangerous);
  }

  @Test
  void helpListsEverySettingWithItsEnvironmentVariableAndDefault() {
    String help = Options.help();
    for (Options.Option o : Options.ALL) {
      assertTrue(help.contains("--" + o.flag()), o.flag());
      assertTrue(help.contains("env " + o.env() + ", default " + o.defaultText()), o.flag());
    }
    assertTrue(Options.parse(new String[] {"--help"}, Map.of()).help);
  }

  @Test
  void mainExitsWith2OnABadSettingAnd0ForHelp() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertEquals(0, Main.run(new String[] {"--help"}, Map.of(), o, e));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("--redis"));
    assertEquals(2, Main.run(new String[] {"--port", "x"}, Map.of(), o, e));
    assertEquals(2, Main.run(new String[] {"--port", "70000"}, Map.of(), o, e));
    assertEquals(2, Main.run(new String[] {"--host", "0.0.0.0"}, Map.of(), o, e));
    assertEquals(2, Main.run(new String[] {"--redis", "http://x"}, Map.of(), o, e));
    String messages = err.toString(StandardCharsets.UTF_8);
    assertTrue(messages.contains("redis-http-bridge: --port: not a whole number: 'x'"), messages);
    assertTrue(messages.contains("port must be between 0 and 65535: 70000 (set by --port or"
        + " BRIDGE_PORT)"), messages);
    assertTrue(messages.contains("host 0.0.0.0 is reachable beyond this machine"), messages);
    assertTrue(messages.contains("redis: uri must start with redis://, rediss://"), messages);
  }
}
