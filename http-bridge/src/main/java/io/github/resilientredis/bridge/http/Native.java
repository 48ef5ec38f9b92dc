package io.github.resilientredis.bridge.http;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.Optional;

/**
 * The C library's functions and native memory through the Foreign Function API (Java 22+),
 * reached by reflection: the bridge compiles for Java 17, which has none of it. Used by
 * the bridge's held requests ({@code DirectSend}, {@code EpollWatch}) and by {@link EpollHttpServer};
 * Linux only (the constants those use are Linux's).
 * Where it is missing, {@link #unavailable()} says why and nothing here may be called.
 *
 * <p>Memory segments travel as {@code Object}. The method handles made here are adapted to
 * {@code Object} for them, so that the hot paths call them with {@code invokeExact}.
 */
public final class Native {

  private static final String UNAVAILABLE;
  private static Object linker;
  private static Object symbols;
  private static Method find;
  private static Method downcall;
  private static Class<?> layoutType;
  private static Class<?> descriptorType;
  private static Class<?> optionType;
  private static Class<?> segmentType;
  private static Method ofAuto;
  private static Method allocate;
  private static Method ofArray;
  private static Method copyFrom;
  private static Object jint;
  private static Object jlong;
  private static Object address;
  private static Object intUnaligned;
  private static Object longUnaligned;

  static {
    String why = null;
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (!os.contains("linux")) {
      why = "not Linux";
    } else if (Runtime.version().feature() < 22) {
      why = "Java " + Runtime.version().feature() + " has no Foreign Function API; 22+ has";
    } else {
      try {
        Class<?> linkerType = Class.forName("java.lang.foreign.Linker");
        segmentType = Class.forName("java.lang.foreign.MemorySegment");
        layoutType = Class.forName("java.lang.foreign.MemoryLayout");
        descriptorType = Class.forName("java.lang.foreign.FunctionDescriptor");
        optionType = Class.forName("java.lang.foreign.Linker$Option");
        Class<?> valueLayout = Class.forName("java.lang.foreign.ValueLayout");
        linker = linkerType.getMethod("nativeLinker").invoke(null);
        symbols = linkerType.getMethod("defaultLookup").invoke(linker);
        find = Class.forName("java.lang.foreign.SymbolLookup").getMethod("find", String.class);
        downcall = linkerType.getMethod("downcallHandle", segmentType, descriptorType,
            optionType.arrayType());
        jint = valueLayout.getField("JAVA_INT").get(null);
        jlong = valueLayout.getField("JAVA_LONG").get(null);
        address = valueLayout.getField("ADDRESS").get(null);
        intUnaligned = valueLayout.getField("JAVA_INT_UNALIGNED").get(null);
        longUnaligned = valueLayout.getField("JAVA_LONG_UNALIGNED").get(null);
        ofAuto = Class.forName("java.lang.foreign.Arena").getMethod("ofAuto");
        allocate = Class.forName("java.lang.foreign.SegmentAllocator")
            .getMethod("allocate", long.class);
        ofArray = segmentType.getMethod("ofArray", byte[].class);
        copyFrom = segmentType.getMethod("copyFrom", segmentType);
      } catch (ReflectiveOperationException | RuntimeException e) {
        why = "the Foreign Function API refused: " + e;
      }
    }
    UNAVAILABLE = why;
  }

  private Native() {}

  /** The layout of a C {@code int}, for {@link #function}. */
  public static Object jint() {
    return jint;
  }

  /** The layout of a C {@code long}, for {@link #function}. */
  public static Object jlong() {
    return jlong;
  }

  /** The layout of a C pointer, for {@link #function}. */
  public static Object address() {
    return address;
  }

  /** Why native calls cannot be made here, or null. */
  public static String unavailable() {
    return UNAVAILABLE;
  }

  /**
   * A handle on the C function {@code name} with these layouts ({@link #jint()}, {@link #jlong()},
   * {@link #address()}), its type adapted: pointers are {@code Object}.
   */
  public static MethodHandle function(String name, Object result, Object... arguments)
      throws ReflectiveOperationException {
    Optional<?> symbol = (Optional<?>) find.invoke(symbols, name);
    if (symbol.isEmpty()) {
      throw new NoSuchMethodException("the C library has no " + name + "()");
    }
    Object layouts = Array.newInstance(layoutType, arguments.length);
    for (int i = 0; i < arguments.length; i++) {
      Array.set(layouts, i, arguments[i]);
    }
    Object descriptor = descriptorType.getMethod("of", layoutType, layouts.getClass())
        .invoke(null, result, layouts);
    MethodHandle handle = (MethodHandle) downcall.invoke(linker, symbol.get(), descriptor,
        Array.newInstance(optionType, 0));
    Class<?>[] parameters = handle.type().parameterArray();
    for (int i = 0; i < parameters.length; i++) {
      if (parameters[i] == segmentType) {
        parameters[i] = Object.class;
      }
    }
    return handle.asType(MethodType.methodType(handle.type().returnType(), parameters));
  }

  /** {@code bytes} zeroed bytes of native memory, freed once unreachable. */
  public static Object allocate(long bytes) throws ReflectiveOperationException {
    return allocate.invoke(ofAuto.invoke(null), bytes);
  }

  /** A copy of {@code bytes} in native memory, freed once unreachable. */
  public static Object copy(byte[] bytes) throws ReflectiveOperationException {
    Object segment = allocate(bytes.length);
    copyFrom.invoke(segment, ofArray.invoke(null, (Object) bytes));
    return segment;
  }

  /** (Object segment, long offset) -> long, at any alignment. */
  public static MethodHandle longGetter() throws ReflectiveOperationException {
    return accessor("get", "OfLong", longUnaligned, MethodType.methodType(long.class, Object.class,
        long.class));
  }

  /** (Object segment, long offset) -> int, at any alignment. */
  public static MethodHandle intGetter() throws ReflectiveOperationException {
    return accessor("get", "OfInt", intUnaligned, MethodType.methodType(int.class, Object.class,
        long.class));
  }

  /** (Object segment, long offset, int value). */
  public static MethodHandle intSetter() throws ReflectiveOperationException {
    return accessor("set", "OfInt", intUnaligned, MethodType.methodType(void.class, Object.class,
        long.class, int.class));
  }

  /** (Object segment, long offset, long value). */
  public static MethodHandle longSetter() throws ReflectiveOperationException {
    return accessor("set", "OfLong", longUnaligned, MethodType.methodType(void.class, Object.class,
        long.class, long.class));
  }

  private static MethodHandle accessor(String name, String kind, Object layout, MethodType type)
      throws ReflectiveOperationException {
    Class<?> layoutClass = Class.forName("java.lang.foreign.ValueLayout$" + kind);
    Class<?>[] parameters = new Class<?>[type.parameterCount()];
    parameters[0] = layoutClass;
    for (int i = 1; i < parameters.length; i++) {
      parameters[i] = type.parameterType(i);
    }
    MethodHandle handle = MethodHandles.publicLookup().unreflect(
        segmentType.getMethod(name, parameters));
    // (segment, layout, offset[, value]) -> (segment, offset[, value])
    return MethodHandles.insertArguments(handle, 1, layout).asType(type);
  }
}
