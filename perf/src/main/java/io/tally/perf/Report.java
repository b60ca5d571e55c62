package io.tally.perf;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Console output: one table row per phase plus the error breakdown, readable in a terminal or a CI log.
 *
 * <p>The JSON summary holds the same numbers for tools; this view favours a quick comparison of phases.
 */
final class Report {

  private static final String FORMAT = "%-8s %11s %9s %9s %9s %9s %9s %9s%n";

  private Report() {
  }

  static void header() {
    System.out.printf(Locale.ROOT, FORMAT, "phase", "rate/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "errors",
        "gen cores");
  }

  static void row(PhaseResult result) {
    System.out.printf(Locale.ROOT, FORMAT, result.name(), fixed(result.rate(), 1), fixed(result.p50(), 3),
        fixed(result.p99(), 3), fixed(result.p999(), 3), fixed(result.max(), 3), result.errorCount(),
        fixed(result.generatorCores(), 2));
  }

  static void phase(PhaseResult result) {
    header();
    row(result);
    for (Map.Entry<String, Long> error : result.errors().entrySet().stream().sorted(Map.Entry.comparingByKey())
        .toList()) {
      System.out.printf(Locale.ROOT, "  error %-50s %d%n", error.getKey(), error.getValue());
    }
    System.out.println();
  }

  static void table(List<PhaseResult> results) {
    header();
    results.forEach(Report::row);
  }

  static String fixed(double value, int decimals) {
    return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", value);
  }
}
