package io.github.resilientredis.it.bridge;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The bridge's runnable jar started as its own process, its output in a log file. */
final class BridgeJar {

  static final Path JAR = Path.of("..", "http-bridge", "target", "redis-http-bridge.jar");

  private BridgeJar() {}

  /** {@code java -jar redis-http-bridge.jar args...} on the test's own java. */
  static Process launch(Path log, String... args) throws IOException {
    assertTrue(Files.isRegularFile(JAR), "build http-bridge first: " + JAR.toAbsolutePath());
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
        .start();
  }

  /** What the process wrote so far; empty when the log cannot be read yet. */
  static String read(Path log) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
