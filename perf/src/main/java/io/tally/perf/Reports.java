package io.tally.perf;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The numbers of a {@code perf/bench.sh} or {@code perf/cluster.sh} run, put together from the {@code summary.json}
 * each of its Gatling simulations wrote (one directory per scenario or stage under the run's directory) and, for
 * the bench, the pgbench ceiling: rates, their ratios, latencies, CPU per request, the goals. The report is
 * written as {@code bench.json} or {@code cluster.json} next to the scenarios and printed as a table.
 */
final class Reports {

  static final String[] BENCH_PHASES = {"peak", "hot-peak", "fixed", "availability-peak", "availability-fixed",
      "feed", "lag"};
  static final String[] CLUSTER_STAGES = {"single", "peak", "timeline", "lag"};
  static final double FIXED_P99_GOAL_MS = 10;
  static final double AVAILABILITY_P99_GOAL_MS = 2;
  static final double LAG_P99_GOAL_MS = 50;
  static final double RECOVERY_GOAL_SECONDS = 5;
  static final double GRACEFUL_GOAL_MS = 1_000;
  static final double RATIO_GOAL = 0.8;

  private Reports() {
  }

  /** A run's measured window and the kind of request it measured (the first with successes). */
  record Measured(JsonObject window, String kind, JsonObject tally) {
    Double okPerSecond() {
      return tally == null ? null : tally.getDouble("okPerSecond");
    }

    JsonObject toJson() {
      JsonObject json = new JsonObject().put("window", window == null ? null : window.getString("name"))
          .put("kind", kind);
      if (tally != null) {
        for (String key : List.of("okPerSecond", "p50Ms", "p99Ms", "p999Ms", "maxMs", "errors", "unfinished")) {
          json.put(key, tally.getValue(key));
        }
      }
      if (window != null) {
        json.put("cpu", window.getJsonObject("cpu")).put("cpuMicrosPerOk", window.getJsonObject("cpuMicrosPerOk"));
      }
      return json;
    }
  }

  /** The window named measured (or the only one), and its first kind with successes. */
  static Measured measured(JsonObject summary) {
    JsonArray windows = summary.getJsonArray("windows", new JsonArray());
    JsonObject window = null;
    for (int i = 0; i < windows.size(); i++) {
      if ("measured".equals(windows.getJsonObject(i).getString("name"))) {
        window = windows.getJsonObject(i);
      }
    }
    if (window == null && !windows.isEmpty()) {
      window = windows.getJsonObject(0);
    }
    if (window == null) {
      return new Measured(null, null, null);
    }
    JsonObject kinds = window.getJsonObject("kinds", new JsonObject());
    for (String kind : kinds.fieldNames()) {
      if (kinds.getJsonObject(kind).getLong("ok", 0L) > 0) {
        return new Measured(window, kind, kinds.getJsonObject(kind));
      }
    }
    String first = kinds.fieldNames().stream().findFirst().orElse(null);
    return new Measured(window, first, first == null ? null : kinds.getJsonObject(first));
  }

  static JsonObject bench(Map<String, JsonObject> summaries, JsonObject ceiling, String audit) {
    JsonObject phases = new JsonObject();
    summaries.forEach((name, summary) -> phases.put(name, measured(summary).toJson()
        .put("details", summary.getJsonObject("details"))));
    Double tps = ceiling == null ? null : ceiling.getDouble("tps");
    Double peak = rate(summaries, "peak");
    Double hot = rate(summaries, "hot-peak");
    JsonObject goals = new JsonObject();
    if (peak != null && tps != null) {
      goals.put("peakOverCeiling", goal(ratio(peak, tps), false, 1.0, ">= 1.0"));
    }
    if (peak != null && hot != null) {
      goals.put("hotOverPeak", goal(ratio(hot, peak), false, 0.5, ">= 0.5"));
    }
    if (phases.containsKey("fixed")) {
      goals.put("fixedP99Ms", goal(phases.getJsonObject("fixed").getDouble("p99Ms"), true, FIXED_P99_GOAL_MS,
          "<= 10 ms"));
    }
    if (phases.containsKey("availability-fixed")) {
      goals.put("availabilityFixedP99Ms", goal(phases.getJsonObject("availability-fixed").getDouble("p99Ms"), true,
          AVAILABILITY_P99_GOAL_MS, "<= 2 ms"));
    }
    if (summaries.containsKey("lag")) {
      goals.put("changeLagP99Ms", goal(lagP99(summaries.get("lag")), true, LAG_P99_GOAL_MS, "<= 50 ms"));
    }
    return new JsonObject().put("ceiling", ceiling).put("phases", phases).put("goals", goals).put("audit", audit);
  }

  static JsonObject cluster(Map<String, JsonObject> summaries, String audit) {
    JsonObject json = new JsonObject();
    Double single = rate(summaries, "single");
    Double three = rate(summaries, "peak");
    json.put("singleNodePeakPerSecond", single).put("threeNodePeakPerSecond", three)
        .put("threeOverSingle", single == null || three == null ? null : ratio(three, single));
    JsonObject goals = new JsonObject();
    if (single != null && three != null) {
      goals.put("threeOverSingle", goal(ratio(three, single), false, RATIO_GOAL, ">= 0.8"));
    }
    JsonObject timeline = summaries.get("timeline");
    if (timeline != null) {
      JsonObject figures = timeline(timeline);
      json.put("timeline", figures);
      if (figures.getValue("recoverySeconds") != null) {
        goals.put("recoveryAfterSigkillSeconds", goal(figures.getDouble("recoverySeconds"), true,
            RECOVERY_GOAL_SECONDS, "<= 5 s"));
      }
      if (figures.getValue("longestDuringGracefulStopMs") != null) {
        goals.put("longestRequestDuringGracefulStopMs", goal(figures.getDouble("longestDuringGracefulStopMs"), true,
            GRACEFUL_GOAL_MS, "<= 1 s"));
      }
      goals.put("audit", new JsonObject().put("value", audit).put("goal", "PASS").put("met", "PASS".equals(audit)));
    }
    if (summaries.containsKey("lag")) {
      json.put("lag", summaries.get("lag").getJsonObject("details"));
      goals.put("changeLagP99Ms", goal(lagP99(summaries.get("lag")), true, LAG_P99_GOAL_MS, "<= 50 ms"));
    }
    return json.put("goals", goals).put("audit", audit);
  }

  /**
   * The timeline's figures: how long each action took (SIGKILL until the survivors serve every shard, restart
   * until the node serves its shards, SIGTERM until the process exited), the failed and slowest requests after
   * each, and the run's totals.
   */
  static JsonObject timeline(JsonObject summary) {
    JsonObject disturbances = summary.getJsonObject("disturbances", new JsonObject());
    JsonObject json = new JsonObject();
    Measured measured = measured(summary);
    if (measured.tally() != null) {
      json.put("sent", measured.tally().getLong("started")).put("ok", measured.tally().getLong("ok"))
          .put("failed", measured.tally().getLong("errors") + measured.tally().getLong("unfinished"))
          .put("p50Ms", measured.tally().getValue("p50Ms")).put("p99Ms", measured.tally().getValue("p99Ms"))
          .put("maxMs", measured.tally().getValue("maxMs"));
    }
    json.put("acknowledged", summary.getJsonObject("acknowledged", new JsonObject()).getLong("reserved"));
    Map<String, String> names = new LinkedHashMap<>();
    names.put("kill", "recoverySeconds");
    names.put("restart", "rejoinSeconds");
    names.put("graceful", "gracefulStopSeconds");
    names.forEach((action, key) -> {
      JsonObject d = disturbances.getJsonObject(action);
      if (d != null) {
        json.put(key, d.getBoolean("finished", true) ? d.getDouble("tookSeconds") : null);
        json.put(action, d);
      }
    });
    JsonObject graceful = disturbances.getJsonObject("graceful");
    json.put("longestDuringGracefulStopMs", graceful == null ? null : graceful.getDouble("longestDuringActionMs"));
    return json;
  }

  private static Double lagP99(JsonObject lag) {
    return lag.getJsonObject("details", new JsonObject()).getJsonObject("socketLagMs", new JsonObject())
        .getDouble("p99");
  }

  private static Double rate(Map<String, JsonObject> summaries, String name) {
    JsonObject summary = summaries.get(name);
    return summary == null ? null : measured(summary).okPerSecond();
  }

  private static double ratio(double numerator, double denominator) {
    return denominator > 0 ? Math.round(numerator / denominator * 1000) / 1000.0 : Double.NaN;
  }

  private static JsonObject goal(Double value, boolean atMost, double limit, String label) {
    boolean met = value != null && !value.isNaN() && (atMost ? value <= limit : value >= limit);
    return new JsonObject().put("value", value == null || value.isNaN() ? null : value).put("goal", label)
        .put("met", met);
  }

  static int writeBench(Path dir, String audit) throws IOException {
    Map<String, JsonObject> summaries = read(dir, BENCH_PHASES);
    Path ceilingFile = dir.resolve("ceiling.json");
    JsonObject ceiling = Files.isRegularFile(ceilingFile) ? new JsonObject(Files.readString(ceilingFile)) : null;
    JsonObject report = bench(summaries, ceiling, audit);
    Files.writeString(dir.resolve("bench.json"), report.encodePrettily() + "\n");
    System.out.print(benchText(report));
    System.out.println("written to " + dir.resolve("bench.json"));
    return "FAIL".equals(audit) ? 3 : 0;
  }

  static int writeCluster(Path dir, String audit) throws IOException {
    JsonObject report = cluster(read(dir, CLUSTER_STAGES), audit);
    Files.writeString(dir.resolve("cluster.json"), report.encodePrettily() + "\n");
    System.out.print(clusterText(report));
    System.out.println("written to " + dir.resolve("cluster.json"));
    return "FAIL".equals(audit) ? 3 : 0;
  }

  private static Map<String, JsonObject> read(Path dir, String[] names) throws IOException {
    Map<String, JsonObject> summaries = new LinkedHashMap<>();
    for (String name : names) {
      Path file = dir.resolve(name).resolve("summary.json");
      if (Files.isRegularFile(file)) {
        summaries.put(name, new JsonObject(Files.readString(file)));
      }
    }
    return summaries;
  }

  static String benchText(JsonObject report) {
    StringBuilder text = new StringBuilder();
    JsonObject ceiling = report.getJsonObject("ceiling");
    if (ceiling != null) {
      text.append(String.format(Locale.ROOT, "ceiling (pgbench, one INSERT per commit): %s tps%n",
          number(ceiling.getValue("tps"))));
    }
    String format = "%-20s %-13s %10s %9s %9s %9s %9s %7s  %s%n";
    text.append(String.format(Locale.ROOT, format, "scenario", "kind", "ok/s", "p50 ms", "p99 ms", "p99.9 ms",
        "max ms", "errors", "CPU µs per ok"));
    JsonObject phases = report.getJsonObject("phases");
    for (String name : phases.fieldNames()) {
      JsonObject p = phases.getJsonObject(name);
      text.append(String.format(Locale.ROOT, format, name, p.getString("kind"), number(p.getValue("okPerSecond")),
          number(p.getValue("p50Ms")), number(p.getValue("p99Ms")), number(p.getValue("p999Ms")),
          number(p.getValue("maxMs")), number(sum(p.getValue("errors"), p.getValue("unfinished"))),
          p.getJsonObject("cpuMicrosPerOk") == null ? "-" : p.getJsonObject("cpuMicrosPerOk").encode()));
      JsonObject details = p.getJsonObject("details");
      if (details != null && (name.equals("feed") || name.equals("lag"))) {
        text.append("    ").append(details.getString("note", "")).append('\n');
      }
    }
    goals(text, report.getJsonObject("goals"));
    text.append("audit: ").append(report.getString("audit")).append('\n');
    return text.toString();
  }

  static String clusterText(JsonObject report) {
    StringBuilder text = new StringBuilder();
    text.append(String.format(Locale.ROOT, "one node peak %s/s, three nodes %s/s, three / one %s%n",
        number(report.getValue("singleNodePeakPerSecond")), number(report.getValue("threeNodePeakPerSecond")),
        number(report.getValue("threeOverSingle"))));
    JsonObject timeline = report.getJsonObject("timeline");
    if (timeline != null) {
      text.append(String.format(Locale.ROOT, "timeline: %s sent, %s failed (measured window); %s acknowledged in"
              + " all (warm-up included); p50 %s / p99 %s /"
              + " max %s ms%n", number(timeline.getValue("sent")), number(timeline.getValue("failed")),
          number(timeline.getValue("acknowledged")), number(timeline.getValue("p50Ms")),
          number(timeline.getValue("p99Ms")), number(timeline.getValue("maxMs"))));
      for (String action : List.of("kill", "restart", "graceful")) {
        JsonObject d = timeline.getJsonObject(action);
        if (d != null) {
          text.append(String.format(Locale.ROOT, "  %-9s at %5s s took %6s s; after it %s failed, longest %s ms;"
                  + " longest during it and 2 s after %s ms%n", action, number(d.getValue("atSeconds")),
              number(d.getValue("tookSeconds")), number(d.getValue("failedRequests")),
              number(d.getValue("longestRequestMs")), number(d.getValue("longestDuringActionMs"))));
        }
      }
    }
    JsonObject lag = report.getJsonObject("lag");
    if (lag != null) {
      text.append("lag: ").append(lag.getString("note", "")).append('\n');
    }
    goals(text, report.getJsonObject("goals"));
    text.append("audit: ").append(report.getString("audit")).append('\n');
    return text.toString();
  }

  private static void goals(StringBuilder text, JsonObject goals) {
    for (String name : goals.fieldNames()) {
      JsonObject goal = goals.getJsonObject(name);
      text.append(String.format(Locale.ROOT, "goal %-36s %10s  [%s: %s]%n", name, number(goal.getValue("value")),
          goal.getString("goal"), goal.getBoolean("met") ? "met" : "NOT met"));
    }
  }

  private static Object sum(Object a, Object b) {
    List<Long> values = new ArrayList<>();
    for (Object value : List.of(a == null ? 0L : a, b == null ? 0L : b)) {
      values.add(value instanceof Number n ? n.longValue() : 0L);
    }
    return values.get(0) + values.get(1);
  }

  static String number(Object value) {
    if (value instanceof Number n) {
      double d = n.doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 1e12) {
        return String.format(Locale.ROOT, "%,d", (long) d);
      }
      return Math.abs(d) >= 100 ? String.format(Locale.ROOT, "%,.0f", d) : String.format(Locale.ROOT, "%.3f", d)
          .replaceAll("0+$", "").replaceAll("\\.$", "");
    }
    return value == null ? "-" : String.valueOf(value);
  }
}
