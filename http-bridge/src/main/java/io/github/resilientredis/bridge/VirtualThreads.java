package io.github.resilientredis.bridge;

import java.util.concurrent.ThreadFactory;

/** Virtual threads (Java 21+), reached by reflection: the bridge compiles for Java 17. */
final class VirtualThreads {

  private VirtualThreads() {}

  /** A factory of virtual threads named {@code prefix} and a number from 1. */
  static ThreadFactory factory(String prefix) throws ReflectiveOperationException {
    Class<?> builderType = Class.forName("java.lang.Thread$Builder");
    Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
    builder = builderType.getMethod("name", String.class, long.class).invoke(builder, prefix, 1L);
    return (ThreadFactory) builderType.getMethod("factory").invoke(builder);
  }
}
