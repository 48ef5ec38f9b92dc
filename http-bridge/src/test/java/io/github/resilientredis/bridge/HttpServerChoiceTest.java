package io.github.resilientredis.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.resilientredis.bridge.HttpServerChoice.Threads;
import io.github.resilientredis.bridge.http.EpollHttpServerProvider;
import org.junit.jupiter.api.Test;

/** The choice of HTTP server and threads on the JDK that runs the tests, and on an older one. */
class HttpServerChoiceTest {

  private static final int JAVA = Runtime.version().feature();

  @Test
  void autoOnJava17IsTheBuiltInServerOnPlatformThreadsAndSaysWhy() {
    HttpServerChoice choice = HttpServerChoice.resolve("auto", Threads.AUTO, 17, false);
    assertTrue(choice.builtIn);
    assertFalse(choice.virtualThreads);
    assertTrue(choice.boundedPool());
    String line = choice.describe(32);
    assertTrue(line.startsWith("the JDK's built-in HTTP server on 32 platform threads, Java "),
        line);
    assertTrue(line.contains("needs Java 21+"), line);
  }

  @Test
  void autoOnJava22OrNewerIsTheEpollServerOnVirtualThreadsWhereItCanRun() {
    assumeTrue(JAVA >= 22, "the epoll server needs Java 22+");
    HttpServerChoice choice = HttpServerChoice.resolve("auto", Threads.AUTO, JAVA, false);
    assertFalse(choice.builtIn);
    assertTrue(choice.virtualThreads);
    assertFalse(choice.boundedPool());
    String why = EpollHttpServerProvider.unavailable();
    if (why == null) {
      assertNull(choice.fallback);
      assertTrue(choice.isEpoll());
      assertTrue(choice.describe(32).startsWith("the bridge's epoll server on virtual threads,"
          + " Java "), choice.describe(32));
    } else { // unit tests run without --add-opens java.base/sun.nio.ch: robaho's, and why
      assertEquals(HttpServerChoice.ROBAHO_PROVIDER, choice.provider.getClass().getName());
      assertEquals(why, choice.fallback);
      assertTrue(choice.describe(32).endsWith("; " + why), choice.describe(32));
    }
  }

  @Test
  void overHttpsAutoIsRobahosServerOnVirtualThreadsOrTheBuiltInOne() {
    HttpServerChoice choice = HttpServerChoice.resolve("auto", Threads.AUTO, JAVA, true);
    assertFalse(choice.isEpoll());
    if (JAVA >= 21) {
      assertEquals(HttpServerChoice.ROBAHO_PROVIDER, choice.provider.getClass().getName());
      assertTrue(choice.virtualThreads);
      assertEquals("the epoll server serves plain HTTP only", choice.fallback);
      assertTrue(choice.describe(32).startsWith("robaho's httpserver on virtual threads, Java "));
    } else {
      assertTrue(choice.builtIn);
    }
  }

  @Test
  void epollOnJava21IsRefusedNamingTheSetting() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HttpServerChoice.resolve("epoll", Threads.AUTO, 21, false));
    assertEquals("http-server cannot run the epoll server (it needs Java 22+, this is Java 21):"
        + " epoll", e.getMessage());
  }

  @Test
  void robahoOnJava17FailsNamingTheSettingInsteadOfCrashing() {
    assumeTrue(JAVA < 21, "robaho's classes load on Java 21+");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HttpServerChoice.resolve("robaho", Threads.AUTO, JAVA, false));
    assertTrue(e.getMessage().startsWith("http-server cannot load "
        + HttpServerChoice.ROBAHO_PROVIDER + " (its classes need a newer Java than 17"),
        e.getMessage());
  }

  @Test
  void virtualThreadsBeforeJava21AreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HttpServerChoice.resolve("jdk", Threads.VIRTUAL, 17, false));
    assertEquals("threads virtual needs Java 21 or newer, this is Java 17: virtual",
        e.getMessage());
  }

  @Test
  void builtInOnPlatformThreadsIsABoundedPoolOnAnyJava() {
    HttpServerChoice choice = HttpServerChoice.resolve("jdk", Threads.PLATFORM, JAVA, false);
    assertTrue(choice.builtIn);
    assertTrue(choice.boundedPool());
    assertNull(choice.fallback);
  }

  @Test
  void unknownProviderClassNamesTheSettingAndTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HttpServerChoice.resolve("com.example.NoSuchProvider", Threads.AUTO, JAVA, false));
    assertTrue(e.getMessage().startsWith("http-server cannot load com.example.NoSuchProvider"));
    assertTrue(e.getMessage().endsWith(": com.example.NoSuchProvider"));
  }

  @Test
  void aClassThatIsNoProviderIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HttpServerChoice.resolve("java.lang.String", Threads.AUTO, JAVA, false));
    assertTrue(e.getMessage().startsWith("http-server cannot load java.lang.String"),
        e.getMessage());
  }

  @Test
  void threadsSettingIsValidated() {
    assertEquals(Threads.AUTO, HttpServerChoice.threads(null));
    assertEquals(Threads.VIRTUAL, HttpServerChoice.threads(" Virtual "));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HttpServerChoice.threads("fast"));
    assertEquals("threads must be auto, virtual or platform: fast", e.getMessage());
  }
}
