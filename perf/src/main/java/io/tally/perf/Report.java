package io.tally.perf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Console output: one table row per phase, a second small table saying where the machine's CPU went, and the error
 * breakdown, readable in a terminal or a CI log.
 *
 * <p>The JSON summary holds the same numbers for tools; this view favours a quick comparison of phases. The CPU
 * figures sit next to the rates because the generator, the node and PostgreSQL share one machine: a rate is only
 * understood together with who had the cores meanwhile.
 */
final class Report {

  private static final String FORMAT = "%-18s %11s %9s %9s %9s %9s %9s %9s%n";
  private static final int WIDTH = 120;
  private static final String MICROS = System.out.charset().newEncoder().canEncode('\u00b5') ? "\u00b5s" : "us";

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
    cpuHeader(result.cpu());
    cpuRow(result);
    System.out.println();
  }

  /** One line per second of a timeline run, by intended send time. */
  static void perSecond(List<PerSecond> seconds) {
    String format = "%5s %7s %7s %7s %7s %10s %10s %10s%n";
    System.out.printf(Locale.ROOT, format, "t s", "sent", "ok", "errors", "resent", "p50 ms", "p99 ms", "max ms");
    long first = seconds.isEmpty() ? 0 : seconds.getFirst().epochSecond();
    for (PerSecond second : seconds) {
      System.out.printf(Locale.ROOT, format, second.epochSecond() - first, second.sent(), second.ok(),
          second.errors(), second.resent(), fixed(second.p50(), 2), fixed(second.p99(), 2), fixed(second.max(), 2));
    }
    System.out.println();
  }

  static void table(List<PhaseResult> results) {
    header();
    results.forEach(Report::row);
  }

  /** One row per phase of cores used while measuring. */
  static void cpuTable(List<PhaseResult> results) {
    if (results.isEmpty()) {
      return;
    }
    cpuHeader(results.getFirst().cpu());
    results.forEach(Report::cpuRow);
  }

  private static void cpuHeader(CpuUse cpu) {
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-18s", "cores"));
    cpu.watched().forEach(share -> line.append(' ').append(pad(share.name(), width(share.name()))));
    line.append(String.format(Locale.ROOT, " %9s %9s %9s %9s", "generator", "other", "machine", "steal %"));
    System.out.println(line);
  }

  private static void cpuRow(PhaseResult result) {
    CpuUse cpu = result.cpu();
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-18s", result.name()));
    cpu.watched().forEach(share -> line.append(' ').append(pad(fixed(share.cores(), 2), width(share.name()))));
    line.append(String.format(Locale.ROOT, " %9s %9s %9s %9s", fixed(cpu.generator(), 2), fixed(cpu.other(), 2),
        Double.isNaN(cpu.machineBusy()) ? "n/a" : fixed(cpu.machineBusy(), 2) + "/" + cpu.machineCores(),
        fixed(cpu.stealPercent(), 1)));
    System.out.println(line);
  }

  /**
   * One line per phase in words, e.g. {@code spread: node 0.84 (53 µs/op), ..., machine 1.86 of 2 cores busy,
   * steal 0.0%}, wrapped to the terminal width.
   */
  static void whereTheCpuWent(List<PhaseResult> results) {
    if (results.isEmpty()) {
      return;
    }
    System.out.println("Where the CPU went (cores used on average while measuring; " + MICROS
        + "/op: CPU time per successful operation;");
    System.out.println("other: busy time of unwatched processes and of the kernel's interrupt work, steal excluded)");
    int label = results.stream().mapToInt(result -> result.name().length()).max().orElse(0) + 4;
    for (PhaseResult result : results) {
      CpuUse cpu = result.cpu();
      List<String> parts = new ArrayList<>();
      for (CpuUse.Share share : cpu.watched()) {
        parts.add(share.problem() == null
            ? share.name() + " " + fixed(share.cores(), 2) + perOperation(share.cores(), result.rate())
            : share.name() + " n/a (" + share.problem() + ")");
      }
      parts.add("generator " + fixed(cpu.generator(), 2) + perOperation(cpu.generator(), result.rate()));
      parts.add("other " + fixed(cpu.other(), 2));
      parts.add(Double.isNaN(cpu.machineBusy()) ? "machine n/a"
          : "machine " + fixed(cpu.machineBusy(), 2) + " of " + cpu.machineCores() + " cores busy");
      parts.add("steal " + fixed(cpu.stealPercent(), 1) + "%");
      System.out.print(wrap(pad("  " + result.name() + ":", -label), parts, label));
    }
  }

  private static String perOperation(double cores, double rate) {
    double micros = CpuUse.microsPerOperation(cores, rate);
    if (Double.isNaN(micros)) {
      return "";
    }
    return " (" + fixed(micros, micros >= 10 ? 0 : 1) + " " + MICROS + "/op)";
  }

  private static String wrap(String prefix, List<String> parts, int indent) {
    StringBuilder out = new StringBuilder();
    StringBuilder line = new StringBuilder(prefix);
    boolean empty = true;
    for (int i = 0; i < parts.size(); i++) {
      String part = parts.get(i) + (i < parts.size() - 1 ? "," : "");
      if (!empty && line.length() + 1 + part.length() > WIDTH) {
        out.append(line).append('\n');
        line = new StringBuilder(" ".repeat(indent));
        empty = true;
      }
      if (!empty) {
        line.append(' ');
      }
      line.append(part);
      empty = false;
    }
    return out.append(line).append('\n').toString();
  }

  private static int width(String name) {
    return Math.max(9, name.length());
  }

  /** {@code text} right-aligned in {@code width} columns, or left-aligned in {@code -width}. */
  private static String pad(String text, int width) {
    return String.format(Locale.ROOT, "%" + width + "s", text);
  }

  static String fixed(double value, int decimals) {
    return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", value);
  }
}
