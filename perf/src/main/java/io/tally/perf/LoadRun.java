package io.tally.perf;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.IntCountsHistogram;

/**
 * Everything one load scenario run measures, independent of the tool that sends the requests: each logical
 * request's outcome and latency (from the moment the scenario decided to send it, so retries on another node are
 * inside the latency), per second and per measured window; the acknowledgements the audit checks afterwards; the
 * CPU of the generator and of the watched processes; the commands that disturb the deployment (a SIGKILL, a
 * restart) and when they ran. {@link #finish()} writes {@code summary.json}, {@code timeline.csv} and SVG charts
 * into the run's directory and prints the numbers a person needs at a glance.
 *
 * <p>Latencies are recorded in microseconds with {@link System#nanoTime()}; per-second histograms keep two
 * significant digits (enough to draw), the windows' histograms three. One lock guards the counters: a few thousand
 * records per second cost nothing next to the HTTP work around them.
 */
final class LoadRun implements AutoCloseable {

  static final String AVAILABILITY = "availability";
  static final String RESERVE = "reserve";
  static final String RELEASE = "release";
  static final String HOLD = "hold";
  static final String CONFIRM = "confirm";
  static final String BASKET = "basket";
  static final String REPLAY = "replay";
  static final String FEED = "feed";
  private static final long LOWEST_MICROS = 1;
  private static final long HIGHEST_MICROS = 120_000_000;
  /** Seconds after an action ended that still count as its own in {@code longestDuringActionMs}. */
  static final int ACTION_TAIL_SECONDS = 2;

  /**
   * A stretch of the run whose numbers are reported together: the measured part of a steady run, a ramp level.
   * {@code targets} are the arrival rates per kind the window was meant to have; null means the storefront mix at
   * {@code multiple}, an empty map a closed loop or a replay, which have none.
   */
  record Window(String name, Duration from, Duration to, double multiple, Map<String, Double> targets) {
    Window(String name, Duration from, Duration to, double multiple) {
      this(name, from, to, multiple, null);
    }

    boolean contains(long offsetNanos) {
      return offsetNanos >= from.toNanos() && offsetNanos < to.toNanos();
    }
  }

  /** Counts and latencies of one kind of request in one second or window. */
  private static final class Tally {
    final AbstractHistogram latency;
    long started;
    long ok;
    long errors;
    long retries;

    Tally(int digits) {
      latency = digits >= 3 ? new Histogram(LOWEST_MICROS, HIGHEST_MICROS, 3)
          : new IntCountsHistogram(LOWEST_MICROS, HIGHEST_MICROS, digits);
    }

    void record(long micros, boolean success, int retried) {
      latency.recordValue(Math.max(LOWEST_MICROS, Math.min(HIGHEST_MICROS, micros)));
      if (success) {
        ok++;
      } else {
        errors++;
      }
      retries += retried;
    }

    JsonObject toJson(double seconds) {
      long done = ok + errors;
      return new JsonObject()
          .put("started", started)
          .put("ok", ok)
          .put("errors", errors)
          .put("unfinished", Math.max(0, started - done))
          .put("retries", retries)
          .put("okPerSecond", round(ok / seconds))
          .put("errorPercent", done == 0 ? 0 : round(100.0 * errors / done))
          .put("p50Ms", percentile(latency, 50))
          .put("p99Ms", percentile(latency, 99))
          .put("p999Ms", percentile(latency, 99.9))
          .put("maxMs", latency.getTotalCount() == 0 ? null : round(latency.getMaxValue() / 1e3));
    }
  }

  /** The run's per-kind tallies over one window. */
  private static final class WindowTallies {
    final Window window;
    final Map<String, Tally> kinds = new TreeMap<>();
    CpuWatch.Sample firstCpu;
    CpuWatch.Sample lastCpu;

    WindowTallies(Window window) {
      this.window = window;
    }
  }

  /**
   * What happened when a planned command ran; it may start after its planned moment while another one runs, and
   * {@code exitCode} is null when it was still running as the run ended.
   */
  record ActionResult(String name, double plannedAtSeconds, double atSeconds, double tookSeconds, Integer exitCode,
      String command) {
  }

  private final LoadSettings settings;
  private final List<String> kinds;
  private final long startNanos;
  private final long startEpochMillis;
  private final List<Map<String, Tally>> seconds = new ArrayList<>();
  private final List<WindowTallies> windows = new ArrayList<>();
  private final Map<String, Long> outcomes = new TreeMap<>();
  private final List<ActionResult> actions = new ArrayList<>();
  private ActionResult runningAction;
  /** When the last action ended, on the {@link System#nanoTime()} clock; 0 before the first. Action thread only. */
  private long lastActionEndNanos;
  private final CpuWatch cpu;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "load-run");
    thread.setDaemon(true);
    return thread;
  });
  /**
   * Runs the planned actions one at a time, in order: one that falls due while another still runs (a restart that
   * has not finished waiting for its node) starts when that one ends, so a rolling restart never has two nodes
   * out at once.
   */
  private final ScheduledExecutorService actionRunner = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "load-run-action");
    thread.setDaemon(true);
    return thread;
  });
  private final BufferedWriter acknowledged;
  private final Map<String, Long> acknowledgedCounts = new TreeMap<>();
  private volatile String stopReason;
  private JsonObject breakingPoint;
  private int evaluatedLevels;
  private boolean finished;

  /**
   * Starts the clock: windows are measured from now, planned actions are scheduled (to run one at a time), CPU is
   * sampled every second.
   *
   * @param kinds the kinds of request this run sends, in the order they are reported
   */
  LoadRun(LoadSettings settings, List<String> kinds, List<Window> planned) throws IOException {
    this.settings = settings;
    this.kinds = List.copyOf(kinds);
    Files.createDirectories(settings.out);
    this.acknowledged = Files.newBufferedWriter(settings.out.resolve("acknowledged.csv"), StandardCharsets.UTF_8);
    acknowledged.write("kind,orderId,reservationId,poolId\n");
    List<Watch> watches = new ArrayList<>();
    for (String spec : settings.watch.split(",")) {
      if (!spec.isBlank()) {
        try {
          watches.add(Watch.parse(spec.trim()));
        } catch (IllegalArgumentException e) {
          throw new LoadSettings.Invalid("-Dwatch: " + e.getMessage());
        }
      }
    }
    this.cpu = new CpuWatch(watches);
    planned.forEach(window -> windows.add(new WindowTallies(window)));
    this.startNanos = System.nanoTime();
    this.startEpochMillis = System.currentTimeMillis();
    scheduler.scheduleAtFixedRate(this::tick, 0, 1, TimeUnit.SECONDS);
    for (LoadSettings.Action action : settings.actions) {
      actionRunner.schedule(() -> run(action), action.at().toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Nanoseconds on the run's clock; what a scenario stores when it decides to send a request. */
  long now() {
    return System.nanoTime();
  }

  /** Milliseconds since the run started. */
  long elapsedMillis() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  /** A request of {@code kind} is about to be sent (counted so requests that never finish are still seen). */
  synchronized void started(String kind, long atNanos) {
    long offset = atNanos - startNanos;
    second(offset).computeIfAbsent(kind, k -> new Tally(2)).started++;
    for (WindowTallies window : windows) {
      if (window.window.contains(offset)) {
        window.kinds.computeIfAbsent(kind, k -> new Tally(3)).started++;
      }
    }
  }

  /**
   * A request of {@code kind} decided at {@code startedNanos} has finished; {@code outcome} is {@link Outcome#OK}
   * or what went wrong (status and error code, or the exception), {@code retried} how often it was sent again.
   */
  synchronized void finished(String kind, long startedNanos, String outcome, int retried) {
    long offset = startedNanos - startNanos;
    long micros = (System.nanoTime() - startedNanos) / 1_000;
    boolean ok = Outcome.OK.equals(outcome);
    second(offset).computeIfAbsent(kind, k -> new Tally(2)).record(micros, ok, retried);
    for (WindowTallies window : windows) {
      if (window.window.contains(offset)) {
        window.kinds.computeIfAbsent(kind, k -> new Tally(3)).record(micros, ok, retried);
      }
    }
    if (!ok) {
      outcomes.merge(kind + ": " + outcome, 1L, Long::sum);
    }
  }

  /** A reservation the service acknowledged; the audit checks it is in the journal. */
  void reserved(String orderId, String reservationId, String poolId) {
    acknowledge("reserved", "reserved," + orderId + "," + reservationId + "," + poolId + "\n");
  }

  /** A release the service acknowledged. */
  void released(String reservationId) {
    acknowledge("released", "released,," + reservationId + ",\n");
  }

  private synchronized void acknowledge(String kind, String line) {
    try {
      acknowledged.write(line);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + settings.out.resolve("acknowledged.csv"), e);
    }
    acknowledgedCounts.merge(kind, 1L, Long::sum);
  }

  /** Why the run should stop early (a ramp that broke), or null to go on. */
  String stopReason() {
    return stopReason;
  }

  private Map<String, Tally> second(long offsetNanos) {
    int index = (int) Math.max(0, offsetNanos / 1_000_000_000L);
    while (seconds.size() <= index) {
      seconds.add(new LinkedHashMap<>());
    }
    return seconds.get(index);
  }

  /** Every second: a CPU sample for the windows it bounds, and a look at ramp levels that have just ended. */
  private void tick() {
    try {
      CpuWatch.Sample sample = cpu.sample();
      long offset = sample.wallNanos() - startNanos;
      synchronized (this) {
        for (WindowTallies window : windows) {
          if (window.firstCpu == null && offset >= window.window.from().toNanos()) {
            window.firstCpu = sample;
          }
          if (offset <= window.window.to().toNanos() + 500_000_000L) {
            window.lastCpu = sample;
          }
        }
        evaluateLevels(offset);
      }
    } catch (RuntimeException e) {
      System.err.println("load run: sampling failed: " + e);
    }
  }

  /**
   * A ramp level is judged two seconds after it ends, once its requests have had time to answer: it breaks when
   * any kind's p99 exceeds the limit, more than the allowed share failed, or more than 1 % of its requests are still
   * unanswered (they are already slower than any p99 limit worth having).
   */
  private void evaluateLevels(long offsetNanos) {
    if (!settings.ramps()) {
      return;
    }
    while (evaluatedLevels < windows.size()
        && offsetNanos > windows.get(evaluatedLevels).window.to().toNanos() + 2_000_000_000L) {
      WindowTallies level = windows.get(evaluatedLevels++);
      String broken = judge(level);
      if (broken != null && breakingPoint == null) {
        double reached = evaluatedLevels >= 2 ? windows.get(evaluatedLevels - 2).window.multiple() : 0;
        breakingPoint = new JsonObject().put("brokeAtMultiple", level.window.multiple())
            .put("reachedMultiple", reached).put("reason", broken);
        stopReason = String.format(Locale.ROOT, "level %sx broke (%s); %s", multiple(level.window.multiple()),
            broken, reached > 0 ? "the last level that held was " + multiple(reached) + "x" : "no level held");
        System.out.println("load run: " + stopReason);
      } else if (broken == null) {
        System.out.printf(Locale.ROOT, "load run: level %sx held%n", multiple(level.window.multiple()));
      }
    }
  }

  private String judge(WindowTallies level) {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Tally> entry : level.kinds.entrySet()) {
      Tally tally = entry.getValue();
      long done = tally.ok + tally.errors;
      double p99 = tally.latency.getTotalCount() == 0 ? 0 : tally.latency.getValueAtPercentile(99) / 1e3;
      if (p99 > settings.breakP99Ms) {
        problems.add(String.format(Locale.ROOT, "%s p99 %.1f ms", entry.getKey(), p99));
      }
      if (done > 0 && (double) tally.errors / done > settings.breakErrorShare) {
        problems.add(String.format(Locale.ROOT, "%s errors %.2f %%", entry.getKey(), 100.0 * tally.errors / done));
      }
      if (tally.started > 0 && (double) (tally.started - done) / tally.started > 0.01) {
        problems.add(String.format(Locale.ROOT, "%s %d of %d unanswered", entry.getKey(), tally.started - done,
            tally.started));
      }
    }
    return problems.isEmpty() ? null : String.join(", ", problems);
  }

  private void run(LoadSettings.Action action) {
    // -Dsettle: the cluster gets that long after the previous action before the next one disturbs it again.
    long settled = lastActionEndNanos + settings.settle.toNanos();
    if (lastActionEndNanos != 0 && System.nanoTime() < settled) {
      try {
        TimeUnit.NANOSECONDS.sleep(settled - System.nanoTime());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    long began = System.nanoTime();
    double at = (began - startNanos) / 1e9;
    double planned = action.at().toMillis() / 1e3;
    System.out.printf(Locale.ROOT, "load run: %s at %.1f s%s: %s%n", action.name(), at,
        at - planned >= 0.5 ? String.format(Locale.ROOT, " (planned at %.1f s; the previous action ran until now%s)",
            planned, settings.settle.isZero() ? "" : " and the cluster settled") : "", action.command());
    synchronized (this) {
      runningAction = new ActionResult(action.name(), planned, at, 0, null, action.command());
    }
    int exit;
    try {
      Process process = new ProcessBuilder("bash", "-c", action.command())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(settings.out.resolve("actions.log").toFile()))
          .start();
      exit = process.waitFor();
    } catch (IOException e) {
      System.err.println("load run: " + action.name() + " could not start: " + e.getMessage());
      exit = -1;
    } catch (InterruptedException e) {
      // the run ended while the command ran: finish() reported it as unfinished, and it is left to run out
      Thread.currentThread().interrupt();
      return;
    }
    lastActionEndNanos = System.nanoTime();
    double took = (lastActionEndNanos - began) / 1e9;
    System.out.printf(Locale.ROOT, "load run: %s finished after %.1f s with exit code %d%n", action.name(), took,
        exit);
    synchronized (this) {
      runningAction = null;
      if (!finished) {
        actions.add(new ActionResult(action.name(), planned, at, took, exit, action.command()));
      }
    }
  }

  /** Writes the summary, the timeline and the charts, and prints the summary; returns the summary. */
  synchronized JsonObject finish(JsonObject details) throws IOException {
    if (finished) {
      throw new IllegalStateException("the run was already finished");
    }
    finished = true;
    scheduler.shutdownNow();
    actionRunner.shutdownNow();
    cpu.close();
    acknowledged.close();
    double runSeconds = (System.nanoTime() - startNanos) / 1e9;
    if (runningAction != null) {
      ActionResult unfinished = runningAction;
      System.out.printf(Locale.ROOT, "load run: %s was still running when the run ended, %.1f s after it began%n",
          unfinished.name(), runSeconds - unfinished.atSeconds());
      actions.add(new ActionResult(unfinished.name(), unfinished.plannedAtSeconds(), unfinished.atSeconds(),
          runSeconds - unfinished.atSeconds(), null, unfinished.command()));
      runningAction = null;
    }
    JsonObject summary = new JsonObject()
        .put("scenario", settings.scenario)
        .put("startedAt", Instant.ofEpochMilli(startEpochMillis).toString())
        .put("seconds", round(runSeconds))
        .put("commit", settings.commit)
        .put("machine", Machine.facts())
        .put("settings", settingsJson())
        .put("details", details);
    JsonArray windowJson = new JsonArray();
    long runNanos = System.nanoTime() - startNanos;
    for (WindowTallies window : windows) {
      double span = span(window.window, runNanos);
      JsonObject kindsJson = new JsonObject();
      long ok = 0;
      for (String kind : kinds) {
        Tally tally = window.kinds.get(kind);
        kindsJson.put(kind, tally == null ? new Tally(3).toJson(span) : tally.toJson(span));
        ok += tally == null ? 0 : tally.ok;
      }
      JsonObject json = new JsonObject()
          .put("name", window.window.name())
          .put("fromSeconds", window.window.from().toMillis() / 1e3)
          .put("toSeconds", window.window.to().toMillis() / 1e3)
          .put("seconds", round(span))
          .put("multiple", window.window.multiple())
          .put("targetPerSecond", targets(window.window))
          .put("kinds", kindsJson);
      if (window.firstCpu != null && window.lastCpu != null && window.lastCpu != window.firstCpu) {
        CpuUse use = CpuUse.between(window.firstCpu, window.lastCpu, cpu.clockTicks());
        json.put("cpu", use.toJson());
        // CPU time per successful request of any kind: what the node, PostgreSQL and the generator each paid.
        json.put("cpuMicrosPerOk", use.microsJson(ok / span));
      }
      windowJson.add(json);
    }
    summary.put("windows", windowJson);
    if (breakingPoint != null) {
      summary.put("breakingPoint", breakingPoint);
    } else if (!windows.isEmpty() && settings.ramps()) {
      summary.put("breakingPoint", new JsonObject().put("brokeAtMultiple", null)
          .put("reachedMultiple", windows.get(Math.max(0, evaluatedLevels - 1)).window.multiple())
          .put("reason", "did not break up to the last level evaluated"));
    }
    JsonObject outcomeJson = new JsonObject();
    outcomes.forEach(outcomeJson::put);
    summary.put("errorsByOutcome", outcomeJson);
    JsonObject ackJson = new JsonObject();
    acknowledgedCounts.forEach(ackJson::put);
    summary.put("acknowledged", ackJson.put("file", settings.out.resolve("acknowledged.csv").toString()));
    summary.put("actions", new JsonArray(actions.stream().map(action -> new JsonObject()
        .put("name", action.name()).put("plannedAtSeconds", round(action.plannedAtSeconds()))
        .put("atSeconds", round(action.atSeconds()))
        .put("tookSeconds", round(action.tookSeconds())).put("exitCode", action.exitCode())
        .put("finished", action.exitCode() != null)
        .put("command", action.command())).toList()));
    if (!actions.isEmpty()) {
      summary.put("disturbances", disturbances());
    }
    Files.writeString(settings.out.resolve("timeline.csv"), timelineCsv());
    writeCharts();
    Files.writeString(settings.out.resolve("summary.json"), summary.encodePrettily() + "\n");
    print(summary);
    return summary;
  }

  /**
   * Seconds a window covered: its planned span, cut short when the run ended first (a feed read that reached the end
   * of the journal, a ramp that broke), so that rates are per second of the run that actually happened.
   */
  static double span(Window window, long runNanos) {
    long end = Math.min(window.to().toNanos(), Math.max(runNanos, window.from().toNanos()));
    return Math.max(1e-9, (end - window.from().toNanos()) / 1e9);
  }

  private JsonObject targets(Window window) {
    JsonObject json = new JsonObject();
    if (window.targets() != null) {
      window.targets().forEach((kind, rate) -> json.put(kind, round(rate)));
      return json;
    }
    if (settings.scenario.equals("replay")) {
      return json;
    }
    return json.put(AVAILABILITY, round(settings.availabilityRate(window.multiple())))
        .put(RESERVE, round(settings.checkoutRate(window.multiple())))
        .put(RELEASE, round(settings.checkoutRate(window.multiple())
            * LoadSettings.RELEASES_PER_SECOND / LoadSettings.RESERVATIONS_PER_SECOND));
  }

  /**
   * For each planned action, the seconds around it with failed requests: from the action until the next one (or
   * the end), the first and last second with an error and how many failed; the length of that error window is
   * what a failover is judged by.
   */
  private JsonObject disturbances() {
    JsonObject json = new JsonObject();
    List<ActionResult> sorted = actions.stream().sorted((a, b) -> Double.compare(a.atSeconds(), b.atSeconds()))
        .toList();
    for (int i = 0; i < sorted.size(); i++) {
      ActionResult action = sorted.get(i);
      int from = (int) Math.floor(action.atSeconds());
      int to = i + 1 < sorted.size() ? (int) Math.floor(sorted.get(i + 1).atSeconds()) : seconds.size();
      int first = -1;
      int last = -1;
      long failed = 0;
      long longest = 0;
      long longestDuring = 0;
      // The action itself and the two seconds after it: a graceful stop is judged by the requests it held up.
      int duringUntil = (int) Math.ceil(action.atSeconds() + action.tookSeconds() + ACTION_TAIL_SECONDS);
      for (int s = Math.max(0, from - 1); s < Math.min(Math.max(to, duringUntil), seconds.size()); s++) {
        long slowest = seconds.get(s).values().stream()
            .mapToLong(tally -> tally.latency.getTotalCount() == 0 ? 0 : tally.latency.getMaxValue()).max()
            .orElse(0);
        if (s >= from && s < duringUntil) {
          longestDuring = Math.max(longestDuring, slowest);
        }
        if (s >= to) {
          continue;
        }
        long errors = seconds.get(s).values().stream().mapToLong(tally -> tally.errors).sum();
        longest = Math.max(longest, slowest);
        if (errors > 0) {
          first = first < 0 ? s : first;
          last = s;
          failed += errors;
        }
      }
      json.put(action.name(), new JsonObject()
          .put("atSeconds", round(action.atSeconds()))
          .put("finished", action.exitCode() != null)
          .put("windowUntilSeconds", to)
          .put("failedRequests", failed)
          .put("errorWindowSeconds", first < 0 ? 0 : last - first + 1)
          .put("firstErrorSecond", first < 0 ? null : first)
          .put("lastErrorSecond", last < 0 ? null : last)
          .put("longestRequestMs", round(longest / 1e3))
          .put("tookSeconds", round(action.tookSeconds()))
          .put("longestDuringActionMs", round(longestDuring / 1e3)));
    }
    return json;
  }

  private JsonObject settingsJson() {
    return new JsonObject()
        .put("urls", new JsonArray(settings.urls.stream().map(Object::toString).toList()))
        .put("multiple", settings.multiple)
        .put("seconds", settings.duration.toSeconds())
        .put("warmupSeconds", settings.warmup.toSeconds())
        .put("regions", settings.regions)
        .put("days", settings.days)
        .put("pools", settings.regions * settings.days * StorefrontGrid.SLOTS_PER_DAY)
        .put("ramp", new JsonObject().put("from", settings.from).put("step", settings.step)
            .put("levels", settings.levels).put("levelSeconds", settings.level.toSeconds())
            .put("rampSeconds", settings.rampBetween.toSeconds()).put("breakP99Ms", settings.breakP99Ms)
            .put("breakErrorPercent", settings.breakErrorShare * 100))
        .put("replay", settings.replayLog == null ? null : new JsonObject()
            .put("log", settings.replayLog.toString()).put("speed", settings.speed))
        .put("watch", settings.watch)
        .put("out", settings.out.toString());
  }

  private String timelineCsv() {
    StringBuilder csv = new StringBuilder("second,epochSecond");
    for (String kind : kinds) {
      csv.append(',').append(kind).append("Started,").append(kind).append("Ok,").append(kind).append("Errors,")
          .append(kind).append("Retries,").append(kind).append("P50Ms,").append(kind).append("P99Ms,")
          .append(kind).append("MaxMs");
    }
    csv.append('\n');
    long firstEpoch = startEpochMillis / 1000;
    for (int s = 0; s < seconds.size(); s++) {
      csv.append(s).append(',').append(firstEpoch + s);
      for (String kind : kinds) {
        Tally tally = seconds.get(s).get(kind);
        if (tally == null) {
          csv.append(",0,0,0,0,,,");
        } else {
          csv.append(',').append(tally.started).append(',').append(tally.ok).append(',').append(tally.errors)
              .append(',').append(tally.retries).append(',').append(text(percentile(tally.latency, 50)))
              .append(',').append(text(percentile(tally.latency, 99))).append(',')
              .append(text(tally.latency.getTotalCount() == 0 ? null : round(tally.latency.getMaxValue() / 1e3)));
        }
      }
      csv.append('\n');
    }
    return csv.toString();
  }

  /** One SVG per group of kinds: the writes (reserve and release, or the replay), and availability. */
  private void writeCharts() throws IOException {
    List<Chart.Mark> marks = actions.stream().map(action -> new Chart.Mark(action.atSeconds(),
        action.name() + " (" + round(action.tookSeconds()) + " s)")).toList();
    for (Map.Entry<String, List<String>> group : chartGroups().entrySet()) {
      List<PerSecond> rows = new ArrayList<>();
      long firstEpoch = startEpochMillis / 1000;
      for (int s = 0; s < seconds.size(); s++) {
        Tally merged = new Tally(2);
        for (String kind : group.getValue()) {
          Tally tally = seconds.get(s).get(kind);
          if (tally != null) {
            merged.latency.add(tally.latency);
            merged.started += tally.started;
            merged.ok += tally.ok;
            merged.errors += tally.errors;
            merged.retries += tally.retries;
          }
        }
        boolean empty = merged.latency.getTotalCount() == 0;
        rows.add(new PerSecond(firstEpoch + s, (int) merged.started, (int) merged.ok, (int) merged.errors,
            (int) merged.retries, empty ? Double.NaN : merged.latency.getValueAtPercentile(50) / 1e3,
            empty ? Double.NaN : merged.latency.getValueAtPercentile(99) / 1e3,
            empty ? Double.NaN : merged.latency.getMaxValue() / 1e3));
      }
      if (rows.stream().allMatch(row -> row.sent() == 0)) {
        continue;
      }
      String title = "Tally " + settings.scenario + ": " + String.join(" + ", group.getValue());
      String subtitle = String.format(Locale.ROOT, "%s, %s, started %s", settings.urls, settings.commit,
          Instant.ofEpochMilli(startEpochMillis));
      Files.writeString(settings.out.resolve(group.getKey() + ".svg"),
          Chart.svg(title, subtitle, rows, marks, List.of()));
    }
  }

  private Map<String, List<String>> chartGroups() {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    List<String> writes = kinds.stream().filter(kind -> !kind.equals(AVAILABILITY)).toList();
    if (!writes.isEmpty()) {
      groups.put(kinds.contains(REPLAY) ? "replay" : "writes", writes);
    }
    if (kinds.contains(AVAILABILITY)) {
      groups.put("availability", List.of(AVAILABILITY));
    }
    return groups;
  }

  private void print(JsonObject summary) {
    System.out.println();
    System.out.printf(Locale.ROOT, "%s against %s (commit %s), %.0f s%n", settings.scenario, settings.urls,
        settings.commit, summary.getDouble("seconds"));
    String format = "%-22s %-13s %10s %10s %9s %9s %9s %9s %8s%n";
    System.out.printf(Locale.ROOT, format, "window", "kind", "target/s", "ok/s", "p50 ms", "p99 ms", "p99.9 ms",
        "max ms", "errors");
    for (Object item : summary.getJsonArray("windows")) {
      JsonObject window = (JsonObject) item;
      JsonObject kindsJson = window.getJsonObject("kinds");
      for (String kind : kinds) {
        JsonObject k = kindsJson.getJsonObject(kind);
        Object target = window.getJsonObject("targetPerSecond").getValue(kind, "-");
        System.out.printf(Locale.ROOT, format, window.getString("name"), kind, target, k.getValue("okPerSecond"),
            text(k.getValue("p50Ms")), text(k.getValue("p99Ms")), text(k.getValue("p999Ms")),
            text(k.getValue("maxMs")), k.getLong("errors") + k.getLong("unfinished"));
      }
      JsonObject cpuJson = window.getJsonObject("cpu");
      if (cpuJson != null) {
        System.out.printf(Locale.ROOT, "%-22s cores: %s%n", "", cpuJson.encode());
      }
    }
    if (summary.containsKey("breakingPoint")) {
      System.out.println("breaking point: " + summary.getJsonObject("breakingPoint").encode());
    }
    if (summary.containsKey("disturbances")) {
      System.out.println("disturbances: " + summary.getJsonObject("disturbances").encodePrettily());
    }
    if (!summary.getJsonObject("errorsByOutcome").isEmpty()) {
      System.out.println("errors by outcome: " + summary.getJsonObject("errorsByOutcome").encode());
    }
    System.out.println("acknowledged: " + summary.getJsonObject("acknowledged").encode());
    System.out.println("written to " + settings.out);
  }

  private static Double percentile(AbstractHistogram histogram, double percentile) {
    return histogram.getTotalCount() == 0 ? null : round(histogram.getValueAtPercentile(percentile) / 1e3);
  }

  private static String multiple(double value) {
    return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
  }

  private static String text(Object value) {
    return value == null ? "-" : value.toString();
  }

  static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    actionRunner.shutdownNow();
    cpu.close();
  }
}
