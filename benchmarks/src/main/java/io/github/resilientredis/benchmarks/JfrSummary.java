package io.github.resilientredis.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedClass;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR recording as a short Markdown report: where the CPU samples land (the method on top of the
 * stack, with the nearest caller in the pool, commons-pool2 or Jedis), what is allocated, and where
 * threads block (monitor enters and parks).
 *
 * <pre>
 * java -cp benchmarks.jar io.github.resilientredis.benchmarks.JfrSummary --file rec.jfr \
 *   [--threads jmh-worker] [--top 12] [--title "..."] [--out summary.md]
 * </pre>
 */
public final class JfrSummary {

  /** Frames that say "where in the code under test" better than the JDK frame on top. */
  private static final List<String> INTERESTING = List.of("io.github.resilientredis.pool",
      "org.apache.commons.pool2", "redis.clients.jedis");

  private final String threadFilter;
  private final int top;
  private final Map<String, Long> selfSamples = new HashMap<>();
  private final Map<String, Long> inPackageSamples = new HashMap<>();
  private long samples;
  private final Map<String, Long> allocatedBytes = new HashMap<>();
  private long allocatedTotal;
  private final Map<String, Long> nativeSamples = new HashMap<>();
  private long nativeTotal;
  private final Map<String, Long> blockedNanos = new HashMap<>();
  private final Map<String, Long> blockedCount = new HashMap<>();
  private long gcCount;
  private long gcNanos;
  private Duration span = Duration.ZERO;

  private JfrSummary(String threadFilter, int top) {
    this.threadFilter = threadFilter;
    this.top = top;
  }

  public static void main(String[] args) throws IOException {
    Bench.Options o = new Bench.Options(args, "file", "threads", "top", "title", "out");
    JfrSummary summary = new JfrSummary(o.get("threads", ""), o.getInt("top", 12));
    Path file = Path.of(o.require("file"));
    summary.read(file);
    String report = summary.report(o.get("title", file.getFileName().toString()));
    System.out.print(report);
    String out = o.get("out", null);
    if (out != null) {
      Files.writeString(Path.of(out), report);
    }
  }

  private void read(Path file) throws IOException {
    java.time.Instant first = null;
    java.time.Instant last = null;
    try (RecordingFile recording = new RecordingFile(file)) {
      while (recording.hasMoreEvents()) {
        RecordedEvent e = recording.readEvent();
        String type = e.getEventType().getName();
        if (type.equals("jdk.GarbageCollection")) {
          gcCount++;
          gcNanos += e.getDuration().toNanos();
          continue;
        }
        if (!ofInterest(e)) {
          continue;
        }
        first = first == null || e.getStartTime().isBefore(first) ? e.getStartTime() : first;
        last = last == null || e.getEndTime().isAfter(last) ? e.getEndTime() : last;
        switch (type) {
          case "jdk.ExecutionSample" -> sample(e.getStackTrace());
          case "jdk.NativeMethodSample" -> {
            nativeTotal++;
            nativeSamples.merge(method(e.getStackTrace()) + "  <-  " + site(e.getStackTrace()), 1L,
                Long::sum);
          }
          case "jdk.ObjectAllocationSample" -> {
            long weight = e.getLong("weight");
            allocatedTotal += weight;
            allocatedBytes.merge(className(e.getClass("objectClass")) + " from "
                + site(e.getStackTrace()), weight, Long::sum);
          }
          case "jdk.JavaMonitorEnter" -> blocked("monitor " + className(e.getClass("monitorClass")),
              e);
          case "jdk.ThreadPark" -> blocked("park " + className(e.getClass("parkedClass")), e);
          default -> { }
        }
      }
    }
    if (first != null) {
      span = Duration.between(first, last);
    }
  }

  private boolean ofInterest(RecordedEvent e) {
    if (threadFilter.isEmpty()) {
      return true;
    }
    RecordedThread thread = e.hasField("sampledThread") ? e.getThread("sampledThread")
        : e.getThread();
    return thread != null && thread.getJavaName() != null
        && thread.getJavaName().contains(threadFilter);
  }

  private void sample(RecordedStackTrace stack) {
    if (stack == null || stack.getFrames().isEmpty()) {
      return;
    }
    samples++;
    List<RecordedFrame> frames = stack.getFrames();
    String self = method(frames.get(0));
    String context = site(stack);
    selfSamples.merge(self.equals(context) ? self : self + "  <-  " + context, 1L, Long::sum);
    // Inclusive: the first interesting frame from the top, once per sample.
    inPackageSamples.merge(context, 1L, Long::sum);
  }

  private void blocked(String what, RecordedEvent e) {
    if (!hasInterestingFrame(e.getStackTrace())) {
      return; // the harness's own waits (JMH iterations, latches), not the code under test
    }
    String key = what + " at " + site(e.getStackTrace());
    blockedNanos.merge(key, e.getDuration().toNanos(), Long::sum);
    blockedCount.merge(key, 1L, Long::sum);
  }

  private static boolean hasInterestingFrame(RecordedStackTrace stack) {
    return stack != null && stack.getFrames().stream()
        .anyMatch(f -> INTERESTING.stream().anyMatch(f.getMethod().getType().getName()::startsWith));
  }

  private static String method(RecordedStackTrace stack) {
    return stack == null || stack.getFrames().isEmpty() ? "(no stack)" : method(stack.getFrames().get(0));
  }

  /** The topmost frame in the pool, commons-pool2 or Jedis; else the top frame. */
  private static String site(RecordedStackTrace stack) {
    if (stack == null || stack.getFrames().isEmpty()) {
      return "(no stack)";
    }
    for (RecordedFrame frame : stack.getFrames()) {
      String type = frame.getMethod().getType().getName();
      if (INTERESTING.stream().anyMatch(type::startsWith)) {
        return method(frame);
      }
    }
    return method(stack.getFrames().get(0));
  }

  private static String method(RecordedFrame frame) {
    RecordedMethod m = frame.getMethod();
    String type = m.getType().getName();
    return type.substring(type.lastIndexOf('.') + 1) + "." + m.getName()
        + (frame.getLineNumber() > 0 ? ":" + frame.getLineNumber() : "");
  }

  private static String className(RecordedClass c) {
    return c == null ? "?" : c.getName();
  }

  private String report(String title) {
    StringBuilder md = new StringBuilder();
    md.append("#### ").append(title).append("\n\n");
    md.append(Bench.fmt("%d CPU samples over %.1f s%s; %d GCs, %.1f ms in total.%n%n", samples,
        span.toMillis() / 1000.0, threadFilter.isEmpty() ? "" : " in threads named *" + threadFilter
            + "*", gcCount, gcNanos / 1e6));
    md.append("Top of stack (self), with the nearest pool / commons-pool2 / Jedis caller:\n\n");
    table(md, selfSamples, samples, "samples");
    md.append("\nInclusive, by the topmost pool / commons-pool2 / Jedis frame:\n\n");
    table(md, inPackageSamples, samples, "samples");
    md.append(Bench.fmt("%nAllocation (sampled, %.1f MB estimated in total), by class and site:%n%n",
        allocatedTotal / 1e6));
    table(md, allocatedBytes, allocatedTotal, "bytes");
    if (nativeTotal > 0) {
      md.append(Bench.fmt("%nIn native code (%d samples: threads blocked in or running system calls):%n%n",
          nativeTotal));
      table(md, nativeSamples, nativeTotal, "samples");
    }
    md.append("\nBlocking in the pool, commons-pool2 or Jedis (monitor enters and parks, all durations"
        + " recorded), by total time:\n\n");
    if (blockedNanos.isEmpty()) {
      md.append("none recorded\n");
    } else {
      md.append("| where | count | total ms |\n|---|---:|---:|\n");
      blockedNanos.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())).limit(top)
          .forEach(e -> md.append(Bench.fmt("| `%s` | %d | %.1f |%n", e.getKey(),
              blockedCount.get(e.getKey()), e.getValue() / 1e6)));
    }
    return md.toString();
  }

  private void table(StringBuilder md, Map<String, Long> counts, long total, String unit) {
    if (counts.isEmpty()) {
      md.append("none recorded\n");
      return;
    }
    md.append("| where | share | ").append(unit).append(" |\n|---|---:|---:|\n");
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())).limit(top)
        .forEach(e -> md.append(Bench.fmt("| `%s` | %.1f%% | %d |%n", e.getKey(),
            100.0 * e.getValue() / total, e.getValue())));
  }
}
