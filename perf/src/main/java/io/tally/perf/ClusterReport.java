package io.tally.perf;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns the pieces perf/cluster.sh collects into the failover numbers of a cluster: a per-second CSV, one JSON
 * with every figure, an SVG chart and a short verdict against the goals.
 *
 * <p>The script measures in stages (a single node's peak, three nodes' peak, then a fixed-rate timeline while it
 * kills, restarts and stops nodes, then an audit of the journal, and how long a booking through one node takes to
 * reach a WebSocket on another), each leaving a file behind; only after the last stage can the timeline be cut at
 * the instants the script recorded. Doing that in Java keeps the script free of JSON handling and the cutting exact
 * to the request: {@code cluster-report --out PREFIX --single FILE --three FILE --timeline FILE --requests FILE
 * --events FILE --audit FILE --audit-status N --stops FILE --lag FILE [--setting KEY=VALUE]...}.
 * Any input may be missing when its stage failed; its figures are then reported as absent rather than invented.
 *
 * <p>The events file holds one line per event, {@code <ms since the epoch> <name> [detail]}, with the names
 * {@code sigkill}, {@code recovered}, {@code restart}, {@code rejoined}, {@code sigterm} and {@code exited} (and any
 * other, which is only shown). The exit status is 0 when the report was written and no invariant was broken, 3
 * when acknowledgements were missing or the audit did not pass, 1 or 2 when the report could not be made.
 */
final class ClusterReport {

  static final double RECOVERY_GOAL_MS = 5_000;
  static final double GRACEFUL_GOAL_MS = 1_000;
  static final double RATIO_GOAL = 0.7;
  static final double LAG_GOAL_MS = Bench.LAG_P99_GOAL_MS;
  /** The stop window ends this long after the stopped node exited, to catch requests that were re-sent. */
  static final long STOP_TAIL_MS = 2_000;

  /** One line of the events file. */
  record Event(long epochMillis, String name, String detail) {
    String label() {
      return detail.isEmpty() ? name : name + " " + detail;
    }

    JsonObject toJson(long startMillis) {
      return new JsonObject().put("name", name).put("detail", detail).put("epochMillis", epochMillis)
          .put("t", startMillis > 0 ? (epochMillis - startMillis) / 1e3 : null);
    }
  }

  private final Map<String, String> inputs = new LinkedHashMap<>();
  private final JsonObject settings = new JsonObject();

  private ClusterReport() {
  }

  static int main(String[] args) {
    ClusterReport report = new ClusterReport();
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (!name.startsWith("--") || i + 1 >= args.length) {
        System.err.println("tally-perf: cluster-report: expected --name value pairs, got " + name);
        return 2;
      }
      String value = args[++i];
      if (name.equals("--setting")) {
        int eq = value.indexOf('=');
        if (eq < 1) {
          System.err.println("tally-perf: cluster-report: --setting needs KEY=VALUE, got " + value);
          return 2;
        }
        report.settings.put(value.substring(0, eq), value.substring(eq + 1));
      } else {
        report.inputs.put(name.substring(2), value);
      }
    }
    if (!report.inputs.containsKey("out")) {
      System.err.println("tally-perf: cluster-report needs --out PREFIX");
      return 2;
    }
    try {
      return report.write();
    } catch (IOException | RuntimeException e) {
      System.err.println("tally-perf: cluster-report failed: " + e);
      return 1;
    }
  }

  private int write() throws IOException {
    Path prefix = Path.of(inputs.get("out")).toAbsolutePath();
    JsonObject single = spread(readJson("single"));
    JsonObject three = spread(readJson("three"));
    Double singlePeak = single == null ? null : single.getDouble("ratePerSecond");
    Double threePeak = three == null ? null : three.getDouble("ratePerSecond");
    Double ratio = singlePeak == null || threePeak == null || singlePeak <= 0 ? null
        : Math.round(threePeak / singlePeak * 1000) / 1000.0;

    JsonObject timelineRun = readJson("timeline");
    JsonObject timeline = timelineRun == null ? null
        : timelineRun.getJsonObject("phases", new JsonObject()).getJsonObject("timeline");
    JsonObject details = timeline == null ? new JsonObject() : timeline.getJsonObject("details", new JsonObject());
    RequestLog log = inputs.containsKey("requests") && Files.isRegularFile(Path.of(inputs.get("requests")))
        ? RequestLog.readCsv(Path.of(inputs.get("requests"))) : null;
    List<Event> events = events();
    List<PerSecond> seconds = log == null ? List.of() : log.perSecond();
    long firstSecond = seconds.isEmpty() ? 0 : seconds.getFirst().epochSecond();
    long startMillis = details.getLong("startEpochMillis", seconds.isEmpty() ? 0 : firstSecond * 1000);
    long endMillis = log == null || log.size() == 0 ? startMillis
        : log.intendedMicros[log.size() - 1] / 1000 + 1;

    Optional<Event> kill = first(events, "sigkill");
    Optional<Event> recovered = first(events, "recovered");
    Optional<Event> restart = first(events, "restart");
    Optional<Event> rejoined = first(events, "rejoined");
    Optional<Event> sigterm = first(events, "sigterm");
    Optional<Event> exited = first(events, "exited");
    Long recoveryMs = between(kill, recovered);
    Long rejoinMs = between(restart, rejoined);
    Long stopMs = between(sigterm, exited);

    JsonObject windows = new JsonObject();
    Double longestDuringStop = null;
    JsonObject stopSlice = null;
    if (log != null) {
      long killAt = kill.map(Event::epochMillis).orElse(endMillis);
      long restartAt = restart.map(Event::epochMillis).orElse(Math.max(killAt, endMillis));
      long sigtermAt = sigterm.map(Event::epochMillis).orElse(Math.max(restartAt, endMillis));
      windows.put("beforeKill", slice(log, startMillis, killAt, startMillis));
      windows.put("kill", slice(log, killAt, restartAt, startMillis));
      windows.put("rejoin", slice(log, restartAt, sigtermAt, startMillis));
      windows.put("stop", slice(log, sigtermAt, Math.max(sigtermAt, endMillis), startMillis));
      if (sigterm.isPresent()) {
        long until = exited.map(Event::epochMillis).orElse(endMillis) + STOP_TAIL_MS;
        stopSlice = slice(log, sigterm.get().epochMillis(), until, startMillis);
        longestDuringStop = stopSlice.getDouble("maxMs");
      }
    }

    JsonObject acks = details.getJsonObject("acknowledgements", new JsonObject());
    Long missing = acks.getLong("missing");
    Audit audit = audit();
    JsonObject lagRun = readJson("lag");
    JsonObject lag = lagRun == null ? null : lagRun.getJsonObject("phases", new JsonObject()).getJsonObject("lag");
    if (lag != null && lag.getJsonObject("latencyMs") == null) {
      lag = null;
    }

    JsonObject goals = new JsonObject()
        .put("recoveryAfterSigkill", goal(recoveryMs == null ? null : recoveryMs.doubleValue(), true,
            RECOVERY_GOAL_MS, "<= 5 s"))
        .put("longestRequestDuringGracefulStop", goal(longestDuringStop, true, GRACEFUL_GOAL_MS, "<= 1 s"))
        .put("threeOverSingle", goal(ratio, false, RATIO_GOAL, ">= 0.7"))
        .put("lostAcknowledgements", goal(missing == null ? null : missing.doubleValue(), true, 0, "0"))
        .put("audit", new JsonObject().put("value", audit.verdict()).put("goal", "PASS")
            .put("met", "PASS".equals(audit.verdict())));
    if (lag != null) {
      goals.put("changeLagP99", goal(lag.getJsonObject("latencyMs").getDouble("p99"), true, LAG_GOAL_MS, "<= 50 ms"));
    }

    JsonArray eventJson = new JsonArray();
    events.forEach(event -> eventJson.add(event.toJson(startMillis)));
    JsonObject summary = new JsonObject()
        .put("date", Instant.now().toString())
        .put("machine", Machine.facts())
        .put("settings", settings)
        .put("singleNodePeakPerSecond", singlePeak)
        .put("threeNodePeakPerSecond", threePeak)
        .put("threeOverSingle", ratio)
        .put("timelineRatePerSecond", details.getDouble("targetRate"))
        .put("timelineStartEpochMillis", startMillis)
        .put("recoveryAfterSigkillMs", recoveryMs)
        .put("rejoinMs", rejoinMs)
        .put("gracefulStopMs", stopMs)
        .put("longestRequestDuringGracefulStopMs", longestDuringStop)
        .put("gracefulStopWindow", stopSlice)
        .put("windows", windows)
        .put("statusCounts", statusCounts(log))
        .put("acknowledged", acks.getLong("acknowledged"))
        .put("missingAcknowledgements", missing)
        .put("acknowledgementCheck", acks)
        .put("audit", audit.toJson())
        .put("goals", goals)
        .put("events", eventJson)
        .put("timeline", timeline == null ? null : withoutPerSecond(timeline))
        .put("perSecond", perSecondJson(seconds, firstSecond))
        .put("nodeStops", stops())
        .put("changeLag", lag)
        .put("singleNode", single)
        .put("threeNodes", three)
        .put("inputs", new JsonObject(new LinkedHashMap<>(inputs)));

    Path json = sibling(prefix, ".json");
    Path csv = sibling(prefix, ".csv");
    Path svg = sibling(prefix, ".svg");
    if (json.getParent() != null) {
      Files.createDirectories(json.getParent());
    }
    Files.writeString(json, summary.encodePrettily() + "\n");
    Files.writeString(csv, csv(seconds, firstSecond, events));
    Files.writeString(svg, chart(seconds, firstSecond, events, details, kill, recovered, restart, rejoined, sigterm,
        exited));

    print(singlePeak, threePeak, ratio, details, timeline, summary.getJsonObject("statusCounts"), recoveryMs, rejoinMs,
        stopMs, longestDuringStop, windows, acks, audit, goals);
    printLag(lag, goals);
    System.out.println("Outputs: " + json + "\n         " + csv + "\n         " + svg);
    boolean broken = missing != null && missing > 0 || !"NOT RUN".equals(audit.verdict())
        && !"PASS".equals(audit.verdict());
    return broken ? 3 : 0;
  }

  private static Path sibling(Path prefix, String suffix) {
    return prefix.resolveSibling(prefix.getFileName() + suffix);
  }

  private JsonObject readJson(String key) throws IOException {
    String file = inputs.get(key);
    if (file == null || !Files.isRegularFile(Path.of(file))) {
      return null;
    }
    return new JsonObject(Files.readString(Path.of(file)));
  }

  private static JsonObject spread(JsonObject run) {
    if (run == null) {
      return null;
    }
    JsonObject spread = run.getJsonObject("phases", new JsonObject()).getJsonObject("spread");
    return spread == null || spread.getDouble("ratePerSecond") == null ? null : spread;
  }

  private List<Event> events() throws IOException {
    List<Event> events = new ArrayList<>();
    String file = inputs.get("events");
    if (file == null || !Files.isRegularFile(Path.of(file))) {
      return events;
    }
    for (String line : Files.readAllLines(Path.of(file))) {
      String[] parts = line.trim().split("\\s+", 3);
      if (parts.length < 2 || !parts[0].matches("\\d+")) {
        continue;
      }
      events.add(new Event(Long.parseLong(parts[0]), parts[1], parts.length > 2 ? parts[2].trim() : ""));
    }
    return events;
  }

  /** How long each node took to stop when the script stopped it between stages, from the stops file. */
  private JsonArray stops() throws IOException {
    JsonArray stops = new JsonArray();
    String file = inputs.get("stops");
    if (file == null || !Files.isRegularFile(Path.of(file))) {
      return stops;
    }
    for (String line : Files.readAllLines(Path.of(file))) {
      String[] parts = line.trim().split("\\s+", 4);
      if (parts.length == 4 && parts[0].matches("\\d+")) {
        stops.add(new JsonObject().put("epochMillis", Long.parseLong(parts[0])).put("stage", parts[1])
            .put("node", parts[2]).put("outcome", parts[3]));
      }
    }
    return stops;
  }

  private static Optional<Event> first(List<Event> events, String name) {
    return events.stream().filter(event -> event.name().equals(name)).findFirst();
  }

  private static Long between(Optional<Event> from, Optional<Event> to) {
    return from.isPresent() && to.isPresent() ? to.get().epochMillis() - from.get().epochMillis() : null;
  }

  private static JsonObject slice(RequestLog log, long fromMillis, long toMillis, long startMillis) {
    RequestLog.Summary s = log.summarize(fromMillis * 1000, toMillis * 1000);
    return new JsonObject()
        .put("fromEpochMillis", fromMillis)
        .put("toEpochMillis", toMillis)
        .put("fromT", (fromMillis - startMillis) / 1e3)
        .put("toT", (toMillis - startMillis) / 1e3)
        .put("sent", s.sent())
        .put("ok", s.ok())
        .put("errors", s.errors())
        .put("resent", s.resent())
        .put("p50Ms", PhaseResult.number(s.p50()))
        .put("p99Ms", PhaseResult.number(s.p99()))
        .put("maxMs", PhaseResult.number(s.max()))
        .put("slowestIntendedEpochMillis", s.maxAtMicros() < 0 ? null : s.maxAtMicros() / 1000);
  }

  private static JsonObject goal(Double value, boolean atMost, double limit, String label) {
    boolean met = value != null && (atMost ? value <= limit : value >= limit);
    return new JsonObject().put("value", value).put("goal", label).put("met", met);
  }

  /** What the service's audit command printed. */
  private record Audit(String verdict, String line, Integer exitStatus, JsonObject report) {
    JsonObject toJson() {
      return new JsonObject().put("verdict", verdict).put("line", line).put("exitStatus", exitStatus)
          .put("report", report);
    }
  }

  private Audit audit() throws IOException {
    String given = inputs.getOrDefault("audit-status", "").trim();
    Integer status = given.matches("\\d{1,3}") ? Integer.valueOf(given) : null;
    String file = inputs.get("audit");
    if (file == null || !Files.isRegularFile(Path.of(file))) {
      return new Audit("NOT RUN", null, status, null);
    }
    String line = null;
    JsonObject report = null;
    for (String text : Files.readAllLines(Path.of(file))) {
      if (text.startsWith("Audited ")) {
        line = text.trim();
      } else if (text.startsWith("{")) {
        try {
          report = new JsonObject(text);
        } catch (RuntimeException ignored) {
          report = null;
        }
      }
    }
    String verdict;
    if (line == null) {
      verdict = "NO VERDICT";
    } else if (line.endsWith(": PASS") && Integer.valueOf(0).equals(status)) {
      verdict = "PASS";
    } else {
      verdict = "FAIL";
    }
    return new Audit(verdict, line, status, report);
  }

  /**
   * How the timeline's requests ended, by HTTP status; 200 marks a reservation the service had already made for
   * that order (a re-send after a lost connection, or the service's own retry), 0 an exhausted deadline.
   */
  private static JsonObject statusCounts(RequestLog log) {
    JsonObject counts = new JsonObject();
    if (log == null) {
      return counts;
    }
    Map<Integer, Integer> byStatus = new TreeMap<>();
    for (int i = 0; i < log.size(); i++) {
      byStatus.merge((int) log.status[i], 1, Integer::sum);
    }
    byStatus.forEach((status, count) -> counts.put(String.valueOf(status), count));
    return counts;
  }

  private static JsonObject withoutPerSecond(JsonObject timeline) {
    JsonObject copy = timeline.copy();
    JsonObject details = copy.getJsonObject("details");
    if (details != null) {
      details.remove("perSecond");
    }
    return copy;
  }

  private static JsonArray perSecondJson(List<PerSecond> seconds, long firstSecond) {
    JsonArray rows = new JsonArray();
    seconds.forEach(second -> rows.add(second.toJson(firstSecond)));
    return rows;
  }

  private static String csv(List<PerSecond> seconds, long firstSecond, List<Event> events) {
    StringBuilder out = new StringBuilder("t,epoch_s,sent,ok,errors,resent,p50_ms,p99_ms,max_ms,event\n");
    for (PerSecond second : seconds) {
      List<String> here = events.stream()
          .filter(event -> Math.floorDiv(event.epochMillis(), 1000) == second.epochSecond())
          .map(event -> event.label().replaceAll("[,;\"\\r\\n]", " ")).toList();
      out.append(String.format(Locale.ROOT, "%d,%d,%d,%d,%d,%d,%s,%s,%s,%s%n", second.epochSecond() - firstSecond,
          second.epochSecond(), second.sent(), second.ok(), second.errors(), second.resent(), csvNumber(second.p50()),
          csvNumber(second.p99()), csvNumber(second.max()), String.join(";", here)));
    }
    return out.toString();
  }

  private static String csvNumber(double value) {
    return Double.isNaN(value) ? "" : Report.fixed(value, 3);
  }

  private String chart(List<PerSecond> seconds, long firstSecond, List<Event> events, JsonObject details,
      Optional<Event> kill, Optional<Event> recovered, Optional<Event> restart, Optional<Event> rejoined,
      Optional<Event> sigterm, Optional<Event> exited) {
    List<Chart.Mark> marks = events.stream()
        .map(event -> new Chart.Mark((event.epochMillis() - firstSecond * 1000) / 1e3,
            (event.name() + " " + event.detail().split(" ", 2)[0]).trim())).toList();
    List<Chart.Span> spans = new ArrayList<>();
    span(spans, kill, recovered, firstSecond, "#c62828");
    span(spans, restart, rejoined, firstSecond, "#1565c0");
    span(spans, sigterm, exited, firstSecond, "#ef6c00");
    String title = String.format(Locale.ROOT, "Tally cluster failover: %s reservations/s offered over %s nodes",
        Report.fixed(details.getDouble("targetRate", Double.NaN), 0), settings.getString("nodes", "3"));
    String subtitle = String.format(Locale.ROOT, "%s; shaded: SIGKILL until the shards serve again (red), restart"
        + " until rejoined (blue), SIGTERM until exit (orange)",
        seconds.isEmpty() ? "no timeline" : Instant.ofEpochSecond(firstSecond).toString());
    return Chart.svg(title, subtitle, seconds, marks, spans);
  }

  private static void span(List<Chart.Span> spans, Optional<Event> from, Optional<Event> to, long firstSecond,
      String colour) {
    if (from.isPresent() && to.isPresent()) {
      spans.add(new Chart.Span((from.get().epochMillis() - firstSecond * 1000) / 1e3,
          (to.get().epochMillis() - firstSecond * 1000) / 1e3, colour));
    }
  }

  private void print(Double singlePeak, Double threePeak, Double ratio, JsonObject details, JsonObject timeline,
      JsonObject statuses, Long recoveryMs, Long rejoinMs, Long stopMs, Double longestDuringStop, JsonObject windows,
      JsonObject acks, Audit audit, JsonObject goals) {
    System.out.println();
    System.out.println("Cluster failover summary");
    System.out.printf(Locale.ROOT, "  single-node peak (spread)          %s reservations/s%n", number(singlePeak, 1));
    System.out.printf(Locale.ROOT, "  3-node peak (spread, round-robin)  %s reservations/s%n", number(threePeak, 1));
    System.out.printf(Locale.ROOT, "  3-node / single-node               %s%s%n", number(ratio, 3),
        verdict(goals, "threeOverSingle"));
    if (timeline != null) {
      JsonObject latency = timeline.getJsonObject("latencyMs", new JsonObject());
      System.out.printf(Locale.ROOT, "  timeline                           %s/s offered, %d ok (%s of them 200),"
          + " %d errors, %d re-sent; p50 %s ms, p99 %s ms, max %s ms%n", number(details.getDouble("targetRate"), 0),
          timeline.getLong("ok", 0L), statuses.getValue("200", 0), timeline.getLong("errorCount", 0L),
          details.getLong("resent", 0L),
          number(latency.getDouble("p50"), 2), number(latency.getDouble("p99"), 2),
          number(latency.getDouble("max"), 1));
    }
    System.out.printf(Locale.ROOT, "  SIGKILL -> shards serve again      %s%s%n", seconds(recoveryMs),
        verdict(goals, "recoveryAfterSigkill"));
    System.out.printf(Locale.ROOT, "  restart -> serving its shards      %s%n", seconds(rejoinMs));
    System.out.printf(Locale.ROOT, "  SIGTERM -> process exited          %s%n", seconds(stopMs));
    System.out.printf(Locale.ROOT, "  longest request, SIGTERM..exit+2s  %s ms%s%n", number(longestDuringStop, 1),
        verdict(goals, "longestRequestDuringGracefulStop"));
    List<String> perWindow = new ArrayList<>();
    for (String name : windows.fieldNames()) {
      JsonObject window = windows.getJsonObject(name);
      perWindow.add(String.format(Locale.ROOT, "%s %d errors/%d (max %s ms)", name, window.getInteger("errors"),
          window.getInteger("sent"), number(window.getDouble("maxMs"), 0)));
    }
    System.out.println("  errors per window                  " + (perWindow.isEmpty() ? "n/a"
        : String.join(", ", perWindow)));
    System.out.printf(Locale.ROOT, "  acknowledged / missing in journal  %s / %s%s%n", acks.getValue("acknowledged",
        "n/a"), acks.getValue("missing", "n/a"), verdict(goals, "lostAcknowledgements"));
    System.out.printf(Locale.ROOT, "  audit                              %s%s%n", audit.line() == null
        ? audit.verdict() : audit.line(), verdict(goals, "audit"));
  }

  private static void printLag(JsonObject lag, JsonObject goals) {
    if (lag == null) {
      System.out.println("  change lag (201 -> WebSocket)      n/a");
      return;
    }
    JsonObject details = lag.getJsonObject("details", new JsonObject());
    JsonObject socket = details.getJsonObject("socketLagMs", new JsonObject());
    JsonObject poll = details.getJsonObject("pollLagMs", new JsonObject());
    System.out.printf(Locale.ROOT, "  change lag (201 -> WebSocket)      %s samples, p50 %s ms, p99 %s ms, max %s ms,"
        + " %s errors%s%n", socket.getValue("samples", 0), number(socket.getDouble("p50"), 2),
        number(socket.getDouble("p99"), 2), number(socket.getDouble("max"), 2), lag.getValue("errorCount", "n/a"),
        verdict(goals, "changeLagP99"));
    System.out.printf(Locale.ROOT, "  change lag (201 -> polling shows)  %s samples, p50 %s ms, p99 %s ms, max %s ms%n",
        poll.getValue("samples", 0), number(poll.getDouble("p50"), 2), number(poll.getDouble("p99"), 2),
        number(poll.getDouble("max"), 2));
  }

  private static String verdict(JsonObject goals, String name) {
    JsonObject goal = goals.getJsonObject(name);
    return String.format(Locale.ROOT, "   [goal %s: %s]", goal.getValue("goal"),
        goal.getBoolean("met") ? "met" : "NOT met");
  }

  private static String seconds(Long millis) {
    return millis == null ? "n/a" : String.format(Locale.ROOT, "%.2f s", millis / 1e3);
  }

  private static String number(Double value, int decimals) {
    return value == null ? "n/a" : Report.fixed(value, decimals);
  }
}
