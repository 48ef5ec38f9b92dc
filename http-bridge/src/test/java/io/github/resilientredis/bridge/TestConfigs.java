package io.github.resilientredis.bridge;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.Consumer;

/** A {@link BridgeConfig} built from default settings with one change, for the config tests. */
final class TestConfigs {

  private TestConfigs() {}

  static BridgeConfig config(Consumer<BridgeConfig.Settings> change) {
    BridgeConfig.Settings s = new BridgeConfig.Settings();
    change.accept(s);
    return new BridgeConfig(s);
  }

  /** The message of the IllegalArgumentException the change must cause. */
  static String error(Consumer<BridgeConfig.Settings> change) {
    return assertThrows(IllegalArgumentException.class, () -> config(change)).getMessage();
  }
}
