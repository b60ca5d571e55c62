package io.tally.perf;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;

/**
 * Appends one line per Gatling simulation run to {@code perf/RESULTS.md}: when, which commit, on what machine, which
 * scenario at what rates, what it achieved, p50/p99/p99.9 of reservations and of availability questions, errors,
 * and the audit's verdict. A ramp adds the multiple it reached, a failover the error windows around its actions.
 *
 * <p>The line is built from the run's {@code summary.json} alone, so a run on another machine can be recorded
 * later. Which window a line reports: a steady run's measured window, the last ramp level that held (or the first
 * one, when none did), the replay as a whole.
 */
final class ResultsLine {

  static final String HEADER = """
      # Load scenario results

      One line per Gatling simulation run by `perf/load.sh`, `perf/bench.sh` or `perf/cluster.sh`, appended by the
      script (newest last). Latencies are of the window named in "window": a steady, peak or fixed-rate run's
      measured part, the last ramp level that held, or the whole replay, feed read or lag run. `res` is
      reservations, `avail` availability questions; rates are successes per second; errors count failed and
      unanswered requests of that window. Details of each run are in its `perf/results/<run>/summary.json`.

      | date (UTC) | commit | machine | scenario | window | target/s (avail, res, rel) | ok/s (avail, res, rel) \
      | res p50 / p99 / p99.9 ms | avail p50 / p99 / p99.9 ms | errors | generator cores | notes | audit |
      |---|---|---|---|---|---|---|---|---|---|---|---|---|
      """;

  private ResultsLine() {
  }

  static void append(Path summaryFile, String audit, Path results) throws IOException {
    JsonObject summary = new JsonObject(Files.readString(summaryFile));
    String line = line(summary, audit);
    if (!Files.exists(results)) {
      Files.writeString(results, HEADER, StandardCharsets.UTF_8);
    }
    Files.writeString(results, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    System.out.println("appended to " + results + ":");
    System.out.println(line);
  }

  static String line(JsonObject summary, String audit) {
    JsonObject window = reported(summary);
    JsonObject kinds = window.getJsonObject("kinds");
    JsonObject target = window.getJsonObject("targetPerSecond");
    JsonObject machine = summary.getJsonObject("machine");
    long errors = 0;
    long done = 0;
    for (String kind : kinds.fieldNames()) {
      JsonObject k = kinds.getJsonObject(kind);
      errors += k.getLong("errors") + k.getLong("unfinished");
      done += k.getLong("ok") + k.getLong("errors");
    }
    JsonObject cpu = window.getJsonObject("cpu");
    return String.join(" | ", List.of(
        "| " + summary.getString("startedAt").replaceFirst("\\.\\d+Z$", "Z").replace('T', ' '),
        "`" + summary.getString("commit") + "`",
        String.format(Locale.ROOT, "%d cores, %.0f GB", machine.getInteger("nproc"),
            machine.getLong("memoryTotalBytes") / 1e9),
        summary.getString("scenario"),
        window.getString("name"),
        three(target, "availability", "reserve", "release"),
        three(kinds, "availability", "reserve", "release"),
        percentiles(kinds.getJsonObject("reserve")),
        percentiles(kinds.getJsonObject("availability")),
        String.format(Locale.ROOT, "%d (%.3f %%)", errors, done == 0 ? 0 : 100.0 * errors / done),
        cpu == null || cpu.getValue("generator") == null ? "n/a"
            : String.format(Locale.ROOT, "%.2f of %s", cpu.getDouble("generator"), cpu.getValue("machineCores")),
        notes(summary),
        audit + " |"));
  }

  private static JsonObject reported(JsonObject summary) {
    JsonArray windows = summary.getJsonArray("windows");
    String scenario = summary.getString("scenario");
    if (scenario.endsWith("ramp")) {
      JsonObject point = summary.getJsonObject("breakingPoint", new JsonObject());
      Object reached = point.getValue("reachedMultiple");
      JsonObject last = windows.getJsonObject(0);
      for (int i = 0; i < windows.size(); i++) {
        if (reached instanceof Number n && windows.getJsonObject(i).getDouble("multiple") == n.doubleValue()) {
          last = windows.getJsonObject(i);
        }
      }
      return last;
    }
    for (int i = 0; i < windows.size(); i++) {
      if (List.of("measured", "replay").contains(windows.getJsonObject(i).getString("name"))) {
        return windows.getJsonObject(i);
      }
    }
    return windows.getJsonObject(windows.size() - 1);
  }

  private static String three(JsonObject json, String... kinds) {
    StringBuilder text = new StringBuilder();
    for (String kind : kinds) {
      Object value = json.getValue(kind);
      if (value instanceof JsonObject tally) {
        value = tally.getValue("okPerSecond");
      }
      text.append(text.isEmpty() ? "" : ", ").append(value == null ? "-" : number(value));
    }
    return text.toString();
  }

  private static String percentiles(JsonObject kind) {
    if (kind == null || kind.getValue("p50Ms") == null) {
      return "-";
    }
    return number(kind.getValue("p50Ms")) + " / " + number(kind.getValue("p99Ms")) + " / "
        + number(kind.getValue("p999Ms"));
  }

  private static String notes(JsonObject summary) {
    StringBuilder notes = new StringBuilder();
    JsonObject point = summary.getJsonObject("breakingPoint");
    if (point != null) {
      Object reached = point.getValue("reachedMultiple");
      notes.append(reached instanceof Number n && n.doubleValue() > 0 ? "reached " + number(n) + "x"
          : "no level held");
      if (point.getValue("brokeAtMultiple") != null) {
        notes.append(", broke at ").append(number(point.getValue("brokeAtMultiple"))).append("x: ")
            .append(point.getString("reason"));
      } else {
        notes.append(", did not break");
      }
    }
    JsonObject disturbances = summary.getJsonObject("disturbances");
    if (disturbances != null) {
      for (String action : disturbances.fieldNames()) {
        JsonObject d = disturbances.getJsonObject(action);
        notes.append(notes.isEmpty() ? "" : "; ").append(String.format(Locale.ROOT,
            "%s at %.0f s: %d failed, error window %d s, longest %.0f ms%s", action, d.getDouble("atSeconds"),
            d.getLong("failedRequests"), d.getInteger("errorWindowSeconds"), d.getDouble("longestRequestMs"),
            d.getBoolean("finished", true) ? "" : ", still running at the end"));
      }
    }
    JsonObject details = summary.getJsonObject("details", new JsonObject());
    if (details.getValue("note") instanceof String note && !note.isBlank()) {
      notes.append(notes.isEmpty() ? "" : "; ").append(note);
    }
    if (details.containsKey("requests")) {
      notes.append(notes.isEmpty() ? "" : "; ").append(details.getValue("requests")).append(" requests at ")
          .append(number(details.getValue("speed"))).append("x speed");
    }
    return notes.isEmpty() ? "" : notes.toString().replace("|", "/");
  }

  private static String number(Object value) {
    if (value instanceof Number n) {
      double d = n.doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 1e12) {
        return String.format(Locale.ROOT, "%,d", (long) d);
      }
      return d >= 100 ? String.format(Locale.ROOT, "%,.0f", d) : String.format(Locale.ROOT, "%.2f", d);
    }
    return String.valueOf(value);
  }
}
