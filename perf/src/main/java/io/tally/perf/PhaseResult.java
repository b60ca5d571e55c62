package io.tally.perf;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The numbers one phase produced, in the shape both the console table and the JSON summary need.
 *
 * <p>Latencies are kept in milliseconds with microsecond resolution; {@code details} carries what only some
 * phases have (pgbench, target rate, late sends) without widening every row.
 *
 * @param name phase label
 * @param seconds length of the measured span
 * @param ok successful operations that completed inside the measured span
 * @param rate {@code ok / seconds}
 * @param samples operations whose latency was recorded
 * @param p50 median latency, ms
 * @param p99 99th percentile latency, ms
 * @param p999 99.9th percentile latency, ms
 * @param max slowest operation, ms
 * @param mean mean latency, ms
 * @param errors failed operations by outcome key
 * @param cpu where the machine's CPU went while measuring, this process included
 * @param details phase-specific extras
 */
record PhaseResult(String name, double seconds, long ok, double rate, long samples, double p50, double p99,
    double p999, double max, double mean, Map<String, Long> errors, CpuUse cpu, JsonObject details) {

  static PhaseResult of(String name, Window window, Stats stats, CpuUse cpu, JsonObject details) {
    Histogram h = stats.latencyMicros;
    boolean empty = h.getTotalCount() == 0;
    return new PhaseResult(name, window.seconds(), stats.ok, stats.ok / window.seconds(), h.getTotalCount(),
        empty ? Double.NaN : h.getValueAtPercentile(50) / 1e3,
        empty ? Double.NaN : h.getValueAtPercentile(99) / 1e3,
        empty ? Double.NaN : h.getValueAtPercentile(99.9) / 1e3,
        empty ? Double.NaN : h.getMaxValue() / 1e3,
        empty ? Double.NaN : h.getMean() / 1e3,
        Map.copyOf(stats.errors), cpu, details);
  }

  /** Cores this load generator used on average while measuring. */
  double generatorCores() {
    return cpu.generator();
  }

  long errorCount() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  JsonObject toJson() {
    JsonObject latency = new JsonObject()
        .put("p50", number(p50))
        .put("p99", number(p99))
        .put("p999", number(p999))
        .put("max", number(max))
        .put("mean", number(mean));
    JsonObject errorJson = new JsonObject();
    errors.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(entry -> errorJson.put(entry.getKey(), entry.getValue()));
    return new JsonObject()
        .put("measuredSeconds", seconds)
        .put("ok", ok)
        .put("ratePerSecond", round(rate))
        .put("latencySamples", samples)
        .put("latencyMs", latency)
        .put("errorCount", errorCount())
        .put("errors", errorJson)
        .put("generatorCores", number(generatorCores()))
        .put("cpu", cpu.toJson())
        .put("cpuMicrosPerOperation", cpu.microsJson(rate))
        .put("cpuWatched", cpu.watchedJson())
        .put("details", details);
  }

  static Double number(double value) {
    return Double.isNaN(value) ? null : round(value);
  }

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
