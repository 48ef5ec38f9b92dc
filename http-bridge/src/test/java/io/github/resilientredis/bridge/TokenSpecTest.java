package io.github.resilientredis.bridge;

import static io.github.resilientredis.bridge.TestConfigs.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenSpecTest {

  private static TokenSpec parse(String entry) {
    return TokenSpec.parse(entry, "token");
  }

  private static String error(String entry) {
    return assertThrows(IllegalArgumentException.class, () -> parse(entry)).getMessage();
  }

  @Test
  void aPlainTokenRunsAsTheBridgesOwnUser() {
    assertEquals(new TokenSpec("s3cret", null, null, false), parse(" s3cret "));
    assertEquals(new TokenSpec("s3cret", null, null, true), parse("s3cret=ro"));
    assertEquals(new TokenSpec("s3cret", null, null, false), parse("s3cret=rw"));
  }

  @Test
  void base64PaddingStaysInTheToken() {
    assertEquals(new TokenSpec("QUJD==", null, null, false), parse("QUJD=="));
    assertEquals(new TokenSpec("QUJD==", "app", "pw", false), parse("QUJD===app:pw"));
    assertEquals(new TokenSpec("QUJD=", null, null, true), parse("QUJD==ro"));
  }

  @Test
  void aBindingNamesTheRedisUserAndItsPassword() {
    assertEquals(new TokenSpec("t", "app", "pw", false), parse("t=app:pw"));
    assertEquals(new TokenSpec("t", "app", "pw", true), parse("t=app:pw:ro"));
    assertEquals(new TokenSpec("t", "app", "a:b=c", false), parse("t=app:a:b=c"));
    assertEquals(new TokenSpec("t", "app", "ends:ro", false), parse("t=app:ends:ro:rw"));
  }

  @Test
  void badEntriesAreRefusedWithoutShowingThePassword() {
    assertTrue(error("").contains("must not be empty"));
    assertTrue(error("a b").contains("printable ASCII"));
    assertTrue(error("t=app").contains("USER:PASSWORD"));
    assertTrue(error("t=:pw").contains("USER:PASSWORD"));
    String empty = error("t=app:");
    assertTrue(empty.contains("'app'") && empty.contains("empty"), empty);
    String described = parse("t=app:hunter2:ro").toString();
    assertTrue(described.contains("app") && described.contains("read-only"), described);
    assertFalse(described.contains("hunter2"), described);
    assertFalse(parse("t=app:hunter2").describe().contains("hunter2"));
  }

  @Test
  void aTokensFileHoldsOneEntryALine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(file, "# the app\n  a1=app:p,w  \n\nr1=reader:pw:ro\n#b=x\nplain\n");
    assertEquals(List.of(new TokenSpec("a1", "app", "p,w", false),
        new TokenSpec("r1", "reader", "pw", true), new TokenSpec("plain", null, null, false)),
        TokenSpec.readFile(file));
    Files.writeString(file, "ok\nbad=user\n");
    String bad = assertThrows(IllegalArgumentException.class, () -> TokenSpec.readFile(file))
        .getMessage();
    assertTrue(bad.startsWith("tokens-file " + file + " line 2:"), bad);
    String missing = assertThrows(IllegalArgumentException.class,
        () -> TokenSpec.readFile(dir.resolve("none"))).getMessage();
    assertTrue(missing.startsWith("tokens-file cannot be read"), missing);
  }

  @Test
  void theConfigJoinsFlagsAndFileAndRefusesATokenGivenTwice(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(file, "f=app:pw\n");
    BridgeConfig c = config(s -> {
      s.tokens = List.of("t1", "t2=ro");
      s.tokensFile = file;
    });
    assertEquals(3, c.tokens.size());
    assertTrue(c.summary().contains("3 tokens, 1 Redis user"), c.summary());
    Files.writeString(file, "t1=app:pw\n");
    String twice = assertThrows(IllegalArgumentException.class, () -> config(s -> {
      s.tokens = List.of("t1");
      s.tokensFile = file;
    })).getMessage();
    assertTrue(twice.contains("given twice"), twice);
  }
}
