package io.tally.perf;

import io.tally.perf.Options.Phase;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * in a fixed order (ceiling, spread, hot, fixed) so each can reuse what the previous one learnt, and the run always
 * ends with a JSON summary, also when a phase failed.
 */
public final class Bench {

  private static final Duration SETUP_LIMIT = Duration.ofMinutes(5);

  private final Options options;
  private final String runId = UUID.randomUUID().toString().substring(0, 8);
  private final Map<Phase, JsonObject> phaseJson = new EnumMap<>(Phase.class);
  private final Map<Phase, PhaseResult> results = new EnumMap<>(Phase.class);
  private boolean failed;

  private Bench(Options options) {
    this.options = options;
  }

  public static void main(String[] args) {
    if (args.length == 1 && args[0].equals("free-port")) {
      try {
        System.out.println(FreePort.find());
        System.exit(0);
      } catch (IOException e) {
        System.err.println("tally-perf: no free port: " + e.getMessage());
        System.exit(1);
      }
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
          new Traffic(api, loops, closedLoop, new OpenLoop(vertx, loops, drain, cpuWatch)).run();
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
    private final TallyApi api;
    private final List<Context> loops;
    private final ClosedLoop closedLoop;
    private final OpenLoop openLoop;
    private final PoolSetup setup;
    private final List<String> spreadPools;
    private boolean spreadPoolsReady;

    Traffic(TallyApi api, List<Context> loops, ClosedLoop closedLoop, OpenLoop openLoop) {
      this.api = api;
      this.loops = loops;
      this.closedLoop = closedLoop;
      this.openLoop = openLoop;
      this.setup = new PoolSetup(api, options.urls, loops.get(0));
      this.spreadPools = IntStream.range(0, options.pools).mapToObj(i -> "bench-" + runId + "-" + i).toList();
    }

    void run() {
      String notReady = notReady();
      if (notReady != null) {
        System.out.println("Service not ready: " + notReady);
        for (Phase phase : List.of(Phase.SPREAD, Phase.HOT, Phase.FIXED)) {
          if (options.runs(phase)) {
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
        .put("ratios", ratios);
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
