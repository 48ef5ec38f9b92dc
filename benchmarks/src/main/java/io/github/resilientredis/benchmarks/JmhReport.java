package io.github.resilientredis.benchmarks;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pool-overhead JMH results (one JSON file per thread count) as a Markdown table of throughput
 * and ratios, with the targets checked.
 *
 * <pre>
 * java -cp benchmarks.jar io.github.resilientredis.benchmarks.JmhReport pool-t1.json pool-t8.json ...
 * </pre>
 */
public final class JmhReport {

  private static final String OURS = "resilientPool";
  private static final String GENERIC = "genericObjectPool";
  private static final String JEDIS = "jedisPool";

  private JmhReport() {}

  public static void main(String[] args) throws IOException {
    // threads -> benchmark method -> {score, error, cpu ns/op (NaN without CpuTimeProfiler)}
    Map<Integer, Map<String, double[]>> results = new TreeMap<>();
    for (String file : args) {
      JsonArray runs = JsonParser.parseString(Files.readString(Path.of(file))).getAsJsonArray();
      for (JsonElement element : runs) {
        JsonObject run = element.getAsJsonObject();
        String benchmark = run.get("benchmark").getAsString();
        String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
        JsonObject metric = run.getAsJsonObject("primaryMetric");
        if (!metric.get("scoreUnit").getAsString().equals("ops/us")) {
          throw new IllegalArgumentException(file + ": expected ops/us, got "
              + metric.get("scoreUnit"));
        }
        JsonObject secondary = run.getAsJsonObject("secondaryMetrics");
        double cpu = secondary != null && secondary.has("cpu")
            ? secondary.getAsJsonObject("cpu").get("score").getAsDouble() : Double.NaN;
        results.computeIfAbsent(run.get("threads").getAsInt(), t -> new TreeMap<>())
            .put(method, new double[] {metric.get("score").getAsDouble(), number(metric, "scoreError"),
                cpu});
      }
    }
    System.out.print(report(results));
  }

  private static double number(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()
        ? e.getAsDouble() : Double.NaN;
  }

  static String report(Map<Integer, Map<String, double[]>> results) {
    StringBuilder md = new StringBuilder();
    md.append("Throughput of borrow + return in millions per second (JMH ops/us, all threads"
        + " together, ± JMH's 99.9% error), and the CPU time the JVM spent per borrow + return"
        + " (`CpuTimeProfiler`: process CPU time / operations; steadier than throughput on a shared"
        + " machine, and it does not count time spent parked).\n\n");
    md.append("| threads | resilient-redis | GenericObjectPool | JedisPool | resilient / GenericObjectPool"
        + " | resilient / JedisPool | CPU ns/op resilient | CPU ns/op GenericObjectPool |"
        + " CPU ns/op JedisPool |\n");
    md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (var entry : results.entrySet()) {
      Map<String, double[]> r = entry.getValue();
      md.append(Bench.fmt("| %d | %s | %s | %s | %s | %s | %s | %s | %s |%n", entry.getKey(),
          score(r.get(OURS)), score(r.get(GENERIC)), score(r.get(JEDIS)),
          ratio(r.get(OURS), r.get(GENERIC)), ratio(r.get(OURS), r.get(JEDIS)),
          cpu(r.get(OURS)), cpu(r.get(GENERIC)), cpu(r.get(JEDIS))));
    }
    md.append("\nTargets: ");
    Map<String, double[]> one = results.get(1);
    Map<String, double[]> eight = results.get(8);
    if (one != null && one.get(OURS) != null) {
      double ns = 1000.0 / one.get(OURS)[0];
      md.append(Bench.fmt("at 1 thread %.0f ns per borrow + return by wall clock (1 / throughput)"
          + " and %.0f ns of CPU (target < 200 ns: %s)", ns, one.get(OURS)[2],
          ns < 200 ? "met" : one.get(OURS)[2] < 200
              ? "**missed** by wall clock, met in CPU time" : "**missed**"));
    }
    if (eight != null && eight.get(OURS) != null && eight.get(GENERIC) != null) {
      double x = eight.get(OURS)[0] / eight.get(GENERIC)[0];
      double cpuRatio = eight.get(GENERIC)[2] / eight.get(OURS)[2];
      md.append(Bench.fmt("; at 8 threads %.2fx GenericObjectPool's throughput (target >= 5x: %s),"
          + " %.2fx less CPU per borrow + return", x, x >= 5 ? "met" : "**missed**", cpuRatio));
    }
    md.append(".\n");
    return md.toString();
  }

  private static String score(double[] s) {
    return s == null ? "-" : Bench.fmt("%.2f ± %.2f", s[0], s[1]);
  }

  private static String cpu(double[] s) {
    return s == null || Double.isNaN(s[2]) ? "-" : Bench.fmt("%.0f", s[2]);
  }

  private static String ratio(double[] a, double[] b) {
    return a == null || b == null ? "-" : Bench.fmt("%.2f", a[0] / b[0]);
  }
}
