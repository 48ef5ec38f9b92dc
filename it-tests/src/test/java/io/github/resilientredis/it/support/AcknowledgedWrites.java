package io.github.resilientredis.it.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * What one soak thread wrote to its own keys: the last acknowledged value of each key, and the
 * values it tried since whose outcome it could not know. Afterwards each key must hold one of them:
 * an acknowledged write is never lost, and only an unacknowledged one may have overtaken it.
 */
public final class AcknowledgedWrites {

  private final Map<String, String> acked = new HashMap<>();
  private final Map<String, Set<String>> unknownSince = new HashMap<>();

  public void ack(String key, String value) {
    acked.put(key, value);
    unknownSince.remove(key);
  }

  public void unknown(String key, String value) {
    unknownSince.computeIfAbsent(key, k -> new HashSet<>()).add(value);
  }

  /** Reads every acknowledged key with {@code read} and checks its value. */
  public void assertReadable(UnaryOperator<String> read) {
    for (Map.Entry<String, String> entry : acked.entrySet()) {
      String actual = read.apply(entry.getKey());
      Set<String> possible = new HashSet<>(unknownSince.getOrDefault(entry.getKey(), Set.of()));
      possible.add(entry.getValue());
      assertTrue(possible.contains(actual), entry.getKey() + " = " + actual
          + ", acknowledged " + entry.getValue() + ", unacknowledged since " + possible);
    }
  }
}
