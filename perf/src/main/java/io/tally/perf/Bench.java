package io.tally.perf;

import io.tally.perf.Options.Phase;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Entry point of the Tally load generator.
 *
 * <p>It answers one question with numbers: how many reservations per second does Tally decide and persist, and
 * how does that compare with the rate at which the same PostgreSQL commits one row per transaction? The phases run
 * in a fixed order (ceiling, spread, hot, fixed, timeline, then the read side: availability, availability-fixed,
 * feed, lag) so each can reuse what the previous one learnt (a fixed rate is half the peak before it, the feed
 * reads the journal the write phases filled), and the run always ends with a JSON summary, also when a phase
 * failed. The timeline phase, with the subcommands that serve perf/cluster.sh, watches a cluster second by second
 * while nodes fail underneath it; the lag phase times how long a booking takes to reach another node's WebSocket.
 */
public final class Bench {

  private static final Duration SETUP_LIMIT = Duration.ofMinutes(5);
  static final double AVAILABILITY_P99_GOAL_MS = 2;
  static final double LAG_P99_GOAL_MS = 50;
  /** The feed phase reads until the feed ends or this many times --duration has passed. */
  static final int FEED_DURATIONS = 3;

  private final Options options;
  private final String runId = UUID.randomUUID().toString().substring(0, 8);
  private final Map<Phase, JsonObject> phaseJson = new EnumMap<>(Phase.class);
  private final Map<Phase, PhaseResult> results = new EnumMap<>(Phase.class);
  private boolean failed;

  private Bench(Options options) {
    this.options = options;
  }

  public static void main(String[] args) {
    if (args.length > 0 && !args[0].startsWith("-")) {
      System.exit(subcommand(args[0], Arrays.copyOfRange(args, 1, args.length)));
    }
    Options options;
    try {
      options = Options.parse(args);
    } catch (Options.UsageException e) {
      System.err.println("tally-perf: " + e.getMessage());
      System.err.println("Run with --help to see the options.");
      System.exit(2);
      return;
    }
    if (options.help) {
      System.out.print(Options.HELP);
      System.exit(0);
    }
    int status;
    try {
      status = new Bench(options).run();
    } catch (RuntimeException e) {
      System.err.println("tally-perf: " + e.getMessage());
      status = 1;
    }
    System.exit(status);
  }

  private static int subcommand(String name, String[] args) {
    switch (name) {
      case "free-port" -> {
        try {
          int count = args.length == 0 ? 1 : Integer.parseInt(args[0]);
          if (args.length > 1 || count < 1 || count > 100) {
            System.err.println("usage: java -jar tally-perf.jar free-port [N], N from 1 to 100");
            return 2;
          }
          FreePort.find(count).forEach(System.out::println);
          return 0;
        } catch (NumberFormatException e) {
          System.err.println("tally-perf: free-port needs a whole number, got " + args[0]);
          return 2;
        } catch (IOException e) {
          System.err.println("tally-perf: no free port: " + e.getMessage());
          return 1;
        }
      }
      case "reset-db" -> {
        return DbReset.main(args);
      }
      case "cluster-report" -> {
        return ClusterReport.main(args);
      }
      case "results" -> {
        return results(args);
      }
      default -> {
        System.err.println("tally-perf: unknown subcommand " + name + "; run with --help to see the options");
        return 2;
      }
    }
  }

  /** {@code results --summary FILE --audit VERDICT --results FILE}: one line for perf/RESULTS.md. */
  private static int results(String[] args) {
    String summary = null;
    String audit = null;
    String results = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--summary" -> summary = args[i + 1];
        case "--audit" -> audit = args[i + 1];
        case "--results" -> results = args[i + 1];
        default -> {
          return usage("results: unknown option " + args[i]);
        }
      }
    }
    if (summary == null || audit == null || results == null || args.length % 2 != 0) {
      return usage("usage: java -jar tally-perf.jar results --summary FILE --audit VERDICT --results FILE");
    }
    try {
      ResultsLine.append(Path.of(summary), audit, Path.of(results));
      return 0;
    } catch (IOException | RuntimeException e) {
      System.err.println("tally-perf: cannot record the run: " + e.getMessage());
      return 1;
    }
  }

  private static int usage(String message) {
    System.err.println("tally-perf: " + message);
    return 2;
  }

  private int run() {
    try (CpuWatch cpuWatch = new CpuWatch(options.watches)) {
      List<String> watched;
      try {
        watched = cpuWatch.describe();
      } catch (IllegalStateException e) {
        System.err.println("tally-perf: " + e.getMessage());
        return 2;
      }
      run(cpuWatch, watched);
    }
    summarize();
    return failed ? 1 : 0;
  }

  private void run(CpuWatch cpuWatch, List<String> watched) {
    int cores = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(cores));
    try {
      List<Context> loops = EventLoops.acquire(vertx, cores);
      Duration drain = Duration.ofSeconds(2L * options.timeoutSeconds + 10);
      ClosedLoop closedLoop = new ClosedLoop(loops, drain, cpuWatch);
      System.out.printf("Tally benchmark, run %s: targets %s, %d event loops%n", runId, options.urls, cores);
      watched.forEach(line -> System.out.println("CPU watch " + line));
      System.out.println();
      if (options.runs(Phase.CEILING)) {
        announce(Phase.CEILING, "%d connections, one autocommit insert each, against %s", Ceiling.CONNECTIONS,
            options.pgUrl);
        attempt(Phase.CEILING, () -> new Ceiling(vertx, loops, closedLoop).run(options.pgUrl, warmup(), duration()));
      }
      if (options.needsHttp()) {
        HttpClient client = vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                .setConnectTimeout((int) Duration.ofSeconds(options.timeoutSeconds).toMillis()),
            new PoolOptions().setHttp1MaxSize(options.connections));
        try {
          TallyApi api = new TallyApi(client, Duration.ofSeconds(options.timeoutSeconds).toMillis());
          Timeline timeline = new Timeline(vertx, loops, api, options.urls, cpuWatch);
          new Traffic(vertx, api, loops, closedLoop, new OpenLoop(vertx, loops, drain, cpuWatch), timeline, cpuWatch)
              .run();
        } finally {
          EventLoops.await(client.close(), Duration.ofSeconds(30));
        }
      }
    } finally {
      EventLoops.await(vertx.close(), Duration.ofSeconds(30));
    }
  }

  /** The HTTP phases, which share one client and the spread pools. */
  private final class Traffic {
    private final Vertx vertx;
    private final TallyApi api;
    private final List<Context> loops;
    private final ClosedLoop closedLoop;
    private final OpenLoop openLoop;
    private final Timeline timeline;
    private final CpuWatch cpuWatch;
    private final PoolSetup setup;
    private final List<String> spreadPools;
    private final Storefront storefront;
    private boolean spreadPoolsReady;
    private JsonObject storefrontSetup;
    private Storefront.Questions questions;

    Traffic(Vertx vertx, TallyApi api, List<Context> loops, ClosedLoop closedLoop, OpenLoop openLoop,
        Timeline timeline, CpuWatch cpuWatch) {
      this.vertx = vertx;
      this.api = api;
      this.loops = loops;
      this.closedLoop = closedLoop;
      this.openLoop = openLoop;
      this.timeline = timeline;
      this.cpuWatch = cpuWatch;
      this.setup = new PoolSetup(api, options.urls, loops.get(0));
      this.spreadPools = IntStream.range(0, options.pools).mapToObj(i -> "bench-" + runId + "-" + i).toList();
      this.storefront = new Storefront(vertx, api, options.urls, loops.get(0), runId, options.regions, options.days);
    }

    void run() {
      String notReady = notReady();
      if (notReady != null) {
        System.out.println("Service not ready: " + notReady);
        for (Phase phase : Phase.values()) {
          if (phase != Phase.CEILING && options.runs(phase)) {
            failed = true;
            phaseJson.put(phase, new JsonObject().put("error", "service not ready: " + notReady));
          }
        }
        return;
      }
      if (options.runs(Phase.SPREAD)) {
        announce(Phase.SPREAD, "%d pools, %d requests in flight", options.pools, options.concurrency);
        attempt(Phase.SPREAD, () -> {
          spreadPools();
          return closedLoop.run("spread", options.concurrency, warmup(), duration(), reservations(spreadPools, "s"),
              new JsonObject().put("pools", options.pools));
        });
      }
      if (options.runs(Phase.HOT)) {
        announce(Phase.HOT, "one pool, %d requests in flight", options.concurrency);
        attempt(Phase.HOT, () -> {
          List<String> hotPool = List.of("bench-" + runId + "-hot");
          setup.create(hotPool, SETUP_LIMIT);
          return closedLoop.run("hot", options.concurrency, warmup(), duration(), reservations(hotPool, "h"),
              new JsonObject().put("pools", 1));
        });
      }
      if (options.runs(Phase.FIXED)) {
        fixed();
      }
      if (options.runs(Phase.TIMELINE)) {
        timeline();
      }
      if (options.runs(Phase.AVAILABILITY)) {
        availability();
      }
      if (options.runs(Phase.AVAILABILITY_FIXED)) {
        availabilityFixed();
      }
      if (options.runs(Phase.FEED)) {
        feed();
      }
      if (options.runs(Phase.LAG)) {
        lag();
      }
    }

    private void availability() {
      announce(Phase.AVAILABILITY, "%d regions x %d days x %d slots (%d pools), %d questions in flight",
          options.regions, options.days, Storefront.SLOTS_PER_DAY, storefront.pools(), options.concurrency);
      attempt(Phase.AVAILABILITY, () -> {
        JsonObject setupJson = storefront();
        PhaseResult result = closedLoop.run("availability", options.concurrency, warmup(), duration(), questions,
            new JsonObject().put("storefront", setupJson));
        result.details().put("expectedSlotsPerAnswer", storefront.expectedSlotsPerAnswer())
            .put("meanAnswerBytes", PhaseResult.number(questions.meanAnswerBytes()));
        return result;
      });
    }

    private void availabilityFixed() {
      PhaseResult peak = results.get(Phase.AVAILABILITY);
      double rate = options.readRate != null ? options.readRate : peak == null ? Double.NaN : peak.rate() / 2;
      if (!(rate > 0)) {
        System.out.println("== availability-fixed: skipped, no rate (availability measured nothing and --read-rate"
            + " was not given)\n");
        failed = true;
        phaseJson.put(Phase.AVAILABILITY_FIXED, new JsonObject().put("skipped",
            "no rate: availability measured no successes"));
        return;
      }
      announce(Phase.AVAILABILITY_FIXED, "%.1f questions/s released by a pacing thread, latency from the intended"
          + " send time", rate);
      attempt(Phase.AVAILABILITY_FIXED, () -> {
        JsonObject setupJson = storefront();
        PhaseResult result = openLoop.run("availability-fixed", rate, warmup(), duration(), questions,
            OpenLoop.Pacing.THREAD);
        result.details().put("storefront", setupJson)
            .put("meanAnswerBytes", PhaseResult.number(questions.meanAnswerBytes()));
        return result;
      });
      PhaseResult fixed = results.get(Phase.AVAILABILITY_FIXED);
      if (fixed != null) {
        JsonObject lag = fixed.details().getJsonObject("sendLagMs");
        JsonObject fromSend = fixed.details().getJsonObject("latencyFromActualSendMs");
        System.out.printf(Locale.ROOT,
            "  target %.1f/s, achieved %.1f/s; sent late by p50 %s / p99 %s ms; latency from the actual send"
                + " p50 %s / p99 %s / p99.9 %s ms%n%n",
            rate, fixed.rate(), ms(lag, "p50"), ms(lag, "p99"), ms(fromSend, "p50"), ms(fromSend, "p99"),
            ms(fromSend, "p999"));
      }
    }

    private JsonObject storefront() {
      if (storefrontSetup == null) {
        System.out.printf(Locale.ROOT, "  setting up the storefront: %d pools, about half of them booked%n",
            storefront.pools());
        storefrontSetup = storefront.setUp(setup, SETUP_LIMIT);
        questions = storefront.questions(loops.size());
        System.out.printf(Locale.ROOT, "  defined in %.1f s, booked (%d bookings) in %.1f s, index consistent on"
            + " every node %.0f ms later%n", storefrontSetup.getDouble("defineSeconds"),
            storefrontSetup.getInteger("bookings"), storefrontSetup.getDouble("bookSeconds"),
            storefrontSetup.getDouble("indexConsistentAfterMs"));
      }
      return storefrontSetup;
    }

    private void feed() {
      Target target = options.urls.getFirst();
      Duration limit = duration().multipliedBy(FEED_DURATIONS);
      System.out.printf(Locale.ROOT, "== feed: one reader, GET /events from 0:0 in pages of %d on %s; %d s warm-up,"
          + " then until the end of the feed or %d s%n", FeedRead.PAGE, target, options.warmupSeconds,
          limit.toSeconds());
      attempt(Phase.FEED, () -> {
        FeedRead reader = new FeedRead(vertx, loops.get(0), api, target);
        JsonObject before = projections(target);
        if (options.warmupSeconds > 0) {
          reader.read(warmup());
        }
        CpuMeter cpu = new CpuMeter(cpuWatch);
        cpu.begin();
        long start = System.nanoTime();
        FeedRead.Progress read = reader.read(limit);
        long end = System.nanoTime();
        cpu.end();
        Window window = new Window(start, start, end);
        JsonObject types = new JsonObject();
        read.types().entrySet().stream().sorted(Map.Entry.comparingByKey())
            .forEach(entry -> types.put(entry.getKey(), entry.getValue()));
        JsonObject details = new JsonObject()
            .put("pageSize", FeedRead.PAGE)
            .put("events", read.events())
            .put("pages", read.pages())
            .put("pagesPerSecond", Math.round(read.pages() / window.seconds() * 10) / 10.0)
            .put("bytes", read.bytes())
            .put("megabytesPerSecond", Math.round(read.bytes() / 1e6 / window.seconds() * 10) / 10.0)
            .put("reachedEnd", read.reachedEnd())
            .put("outOfOrder", read.outOfOrder())
            .put("lastCheckpoint", read.lastCheckpoint())
            .put("eventTypes", types)
            .put("projectionsBefore", before)
            .put("projectionsAfter", projections(target));
        PhaseResult result = PhaseResult.of("feed", window, read.stats(), cpu.use(), details);
        if (read.outOfOrder() > 0) {
          failed = true;
          System.out.println("  the feed delivered " + read.outOfOrder() + " events out of order");
        }
        return result;
      });
      PhaseResult feed = results.get(Phase.FEED);
      if (feed != null) {
        System.out.printf(Locale.ROOT, "  %d events in %d pages in %.1f s: %.0f events/s, %.1f pages/s, %.1f MB/s%s"
                + "%n%n", feed.details().getLong("events"), feed.details().getLong("pages"), feed.seconds(),
            feed.rate(), feed.details().getDouble("pagesPerSecond"), feed.details().getDouble("megabytesPerSecond"),
            feed.details().getBoolean("reachedEnd") ? "" : " (stopped before the end of the feed)");
      }
    }

    private JsonObject projections(Target target) {
      try {
        return EventLoops.await(EventLoops.on(loops.get(0), () -> api.getJson(target, "/projections")),
            Duration.ofSeconds(options.timeoutSeconds + 5));
      } catch (RuntimeException e) {
        return new JsonObject().put("error", String.valueOf(e.getMessage()));
      }
    }

    private void lag() {
      Target writer = options.urls.getFirst();
      Target listener = options.urls.size() > 1 ? options.urls.get(1) : writer;
      System.out.printf(Locale.ROOT, "== lag: %d bookings at %.1f/s through %s, each timed from its 201 until a"
          + " WebSocket on %s reports the slot unavailable%n", options.lagSamples, options.lagRate, writer, listener);
      attempt(Phase.LAG, () -> new ChangeLag(vertx, loops.get(0), api, writer, listener, runId, cpuWatch)
          .run(new ChangeLag.Settings(options.lagSamples, options.lagRate, Duration.ofSeconds(options.timeoutSeconds)),
              SETUP_LIMIT));
      PhaseResult lag = results.get(Phase.LAG);
      if (lag != null) {
        JsonObject socket = lag.details().getJsonObject("socketLagMs");
        JsonObject poll = lag.details().getJsonObject("pollLagMs");
        System.out.printf(Locale.ROOT, "  socket: %d samples, min %s / p50 %s / p99 %s / max %s ms (%d negative:"
                + " the message beat the 201); polling POST /availability: %d samples, p50 %s / p99 %s / max %s ms,"
                + " %s polls per sample%n%n",
            socket.getInteger("samples"), ms(socket, "min"), ms(socket, "p50"), ms(socket, "p99"),
            ms(socket, "max"), lag.details().getLong("negativeLags"), poll.getInteger("samples"), ms(poll, "p50"),
            ms(poll, "p99"), ms(poll, "max"), lag.details().getValue("pollsPerSample"));
      }
    }

    private void timeline() {
      double rate = options.timelineRate();
      System.out.printf(Locale.ROOT, "== timeline: %.1f requests/s over %d pools and %d URLs, re-sent to the next URL"
          + " after %d ms when a connection fails, %d s deadline; %d s warm-up, %d s recorded%n", rate, options.pools,
          options.urls.size(), options.resendPauseMillis, options.deadlineSeconds, options.warmupSeconds,
          options.durationSeconds);
      attempt(Phase.TIMELINE, () -> {
        spreadPools();
        Duration deadline = Duration.ofSeconds(options.deadlineSeconds);
        Duration pause = Duration.ofMillis(options.resendPauseMillis);
        Duration attemptTimeout = Duration.ofSeconds(options.timeoutSeconds);
        if (options.warmupSeconds > 0) {
          Timeline.Result warm = timeline.run(new Timeline.Settings(rate, warmup(), deadline, pause, attemptTimeout,
              null), spreadPools, "o-" + runId + "-w-");
          System.out.printf(Locale.ROOT, "  warm-up: %d ok, %d errors, p99 %s ms (not recorded)%n",
              warm.phase().ok(), warm.phase().errorCount(), Report.fixed(warm.phase().p99(), 2));
        }
        Timeline.Settings settings = new Timeline.Settings(rate, duration(), deadline, pause, attemptTimeout,
            options.mark);
        Timeline.Result run = timeline.run(settings, spreadPools, "o-" + runId + "-t-");
        PhaseResult result = run.phase();
        List<PerSecond> seconds = run.log().perSecond();
        long first = seconds.isEmpty() ? 0 : seconds.getFirst().epochSecond();
        JsonArray perSecond = new JsonArray();
        seconds.forEach(second -> perSecond.add(second.toJson(first)));
        result.details().put("perSecond", perSecond);
        Report.perSecond(seconds);
        if (options.requestsOut != null) {
          Path file = options.requestsOut.toAbsolutePath();
          try {
            run.log().writeCsv(file);
            result.details().put("requestsFile", file.toString());
          } catch (IOException e) {
            failed = true;
            System.err.println("tally-perf: could not write " + file + ": " + e.getMessage());
          }
        }
        if (options.pgUrl == null) {
          result.details().put("acknowledgements", new JsonObject().put("skipped", "no --pg-url"));
        } else {
          AckCheck.Result acks = AckCheck.run(vertx, loops.get(0), options.pgUrl, run);
          result.details().put("acknowledgements", acks.toJson());
          System.out.printf(Locale.ROOT, "  acknowledged %d reservations, %d missing from the journal%s%n%n",
              acks.acknowledged(), acks.missing(), acks.missing() == 0 ? "" : ", e.g. " + acks.examples());
          if (acks.missing() > 0) {
            failed = true;
          }
        }
        return result;
      });
    }

    private void fixed() {
      PhaseResult spread = results.get(Phase.SPREAD);
      double rate = options.rate != null ? options.rate : spread == null ? Double.NaN : spread.rate() / 2;
      if (!(rate > 0)) {
        System.out.println("== fixed: skipped, no rate (spread measured nothing and --rate was not given)\n");
        failed = true;
        phaseJson.put(Phase.FIXED, new JsonObject().put("skipped", "no rate: spread measured no successes"));
        return;
      }
      announce(Phase.FIXED, "%.1f requests/s over %d pools, latency from the intended send time", rate,
          options.pools);
      attempt(Phase.FIXED, () -> {
        spreadPools();
        return openLoop.run("fixed", rate, warmup(), duration(), reservations(spreadPools, "f"));
      });
      PhaseResult fixed = results.get(Phase.FIXED);
      if (fixed != null) {
        System.out.printf(Locale.ROOT,
            "  target %.1f/s, achieved %.1f/s; %d of %d sent more than 1 ms after their intended time"
                + " (worst %.3f ms)%n%n",
            rate, fixed.rate(), fixed.details().getLong("sentLateOver1ms"), fixed.samples(),
            fixed.details().getDouble("maxSendLagMs"));
      }
    }

    private Reservations reservations(List<String> pools, String tag) {
      return new Reservations(api, options.urls, pools, "o-" + runId + "-" + tag, loops.size());
    }

    private void spreadPools() {
      if (!spreadPoolsReady) {
        setup.create(spreadPools, SETUP_LIMIT);
        spreadPoolsReady = true;
      }
    }

    private String notReady() {
      List<String> problems = new ArrayList<>();
      for (Target target : options.urls) {
        try {
          int status = EventLoops.await(EventLoops.on(loops.get(0), () -> api.readiness(target)),
              Duration.ofSeconds(options.timeoutSeconds + 5));
          if (status != 200) {
            problems.add(target + "/health/ready answered " + status);
          }
        } catch (RuntimeException e) {
          problems.add(target + " unreachable: " + Outcome.of(e.getCause() == null ? e : e.getCause()));
        }
      }
      return problems.isEmpty() ? null : String.join("; ", problems);
    }
  }

  private static String ms(JsonObject figures, String key) {
    Double value = figures == null ? null : figures.getDouble(key);
    return value == null ? "n/a" : Report.fixed(value, 3);
  }

  private void announce(Phase phase, String format, Object... args) {
    System.out.printf(Locale.ROOT, "== %s: %s; %d s warm-up, %d s measured%n", phase.label(),
        String.format(Locale.ROOT, format, args), options.warmupSeconds, options.durationSeconds);
  }

  private void attempt(Phase phase, Supplier<PhaseResult> body) {
    try {
      PhaseResult result = body.get();
      results.put(phase, result);
      phaseJson.put(phase, result.toJson());
      Report.phase(result);
    } catch (RuntimeException e) {
      failed = true;
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      System.out.println("  " + phase.label() + " failed: " + message + "\n");
      phaseJson.put(phase, new JsonObject().put("error", message));
    }
  }

  private Duration warmup() {
    return Duration.ofSeconds(options.warmupSeconds);
  }

  private Duration duration() {
    return Duration.ofSeconds(options.durationSeconds);
  }

  private void summarize() {
    JsonObject phases = new JsonObject();
    phaseJson.forEach((phase, json) -> phases.put(phase.label(), json));
    JsonObject ratios = ratios();
    JsonObject summary = new JsonObject()
        .put("runId", runId)
        .put("machine", Machine.facts())
        .put("options", options.toJson())
        .put("phases", phases)
        .put("ratios", ratios)
        .put("goals", goals());
    if (!results.isEmpty()) {
      System.out.println("Summary (rate: successful operations per second inside the measured window;"
          + " gen cores: CPU used by this load generator)");
      Report.table(List.copyOf(results.values()));
      System.out.println();
      Report.cpuTable(List.copyOf(results.values()));
      System.out.println();
      Report.whereTheCpuWent(List.copyOf(results.values()));
    }
    System.out.println();
    System.out.println("spread / ceiling (Java inserts/s): " + ratio(ratios, "spreadOverCeiling"));
    System.out.println("spread / ceiling (pgbench tps):    " + ratio(ratios, "spreadOverPgbench"));
    System.out.println("hot / spread:                      " + ratio(ratios, "hotOverSpread"));
    JsonObject goals = summary.getJsonObject("goals");
    for (String name : goals.fieldNames()) {
      JsonObject goal = goals.getJsonObject(name);
      System.out.printf(Locale.ROOT, "%-34s %s ms [goal %s: %s]%n", goal.getString("label") + ":",
          ms(goal, "value"), goal.getString("goal"), goal.getBoolean("met") ? "met" : "NOT met");
    }
    PhaseResult feed = results.get(Phase.FEED);
    if (feed != null) {
      System.out.printf(Locale.ROOT, "%-34s %.0f events/s, %.1f pages/s%n", "feed, one reader:", feed.rate(),
          feed.details().getDouble("pagesPerSecond"));
    }
    Path out = options.out.toAbsolutePath();
    try {
      if (out.getParent() != null) {
        Files.createDirectories(out.getParent());
      }
      Files.writeString(out, summary.encodePrettily() + "\n");
      System.out.println("\nSummary written to " + out);
    } catch (IOException e) {
      failed = true;
      System.err.println("tally-perf: could not write " + out + ": " + e.getMessage());
    }
  }

  private JsonObject ratios() {
    PhaseResult ceiling = results.get(Phase.CEILING);
    PhaseResult spread = results.get(Phase.SPREAD);
    PhaseResult hot = results.get(Phase.HOT);
    Double pgbench = ceiling == null ? null : ceiling.details().getJsonObject("pgbench", new JsonObject())
        .getDouble("tps");
    return new JsonObject()
        .put("spreadOverCeiling", divide(spread, ceiling == null ? null : ceiling.rate()))
        .put("spreadOverPgbench", divide(spread, pgbench))
        .put("hotOverSpread", hot == null || spread == null ? null : divide(hot, spread.rate()));
  }

  /** The read side's latency goals, for the phases that ran. */
  private JsonObject goals() {
    JsonObject goals = new JsonObject();
    PhaseResult fixed = results.get(Phase.AVAILABILITY_FIXED);
    if (fixed != null) {
      goals.put("availabilityP99AtFixedRate", goal("availability-fixed p99", fixed.p99(), AVAILABILITY_P99_GOAL_MS));
    }
    PhaseResult lag = results.get(Phase.LAG);
    if (lag != null) {
      goals.put("changeLagP99", goal("lag p99, 201 to WebSocket", lag.p99(), LAG_P99_GOAL_MS));
    }
    return goals;
  }

  private static JsonObject goal(String label, double value, double limit) {
    return new JsonObject().put("label", label).put("value", PhaseResult.number(value))
        .put("goal", "<= " + Report.fixed(limit, 0) + " ms").put("met", !Double.isNaN(value) && value <= limit);
  }

  private static Double divide(PhaseResult numerator, Double denominator) {
    if (numerator == null || denominator == null || !(denominator > 0)) {
      return null;
    }
    return Math.round(numerator.rate() / denominator * 1000) / 1000.0;
  }

  private static String ratio(JsonObject ratios, String key) {
    Double value = ratios.getDouble(key);
    return value == null ? "n/a" : String.format(Locale.ROOT, "%.3f", value);
  }
}
