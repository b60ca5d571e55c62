package io.tally.perf;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The validated command line of {@link Bench}.
 *
 * <p>Every knob has a default that suits the two-core reference machine, so a bare run is meaningful; values are
 * checked up front because a typo discovered after a minute of warm-up wastes the whole run.
 */
final class Options {

  /** The measured phases, in the order they always run. */
  enum Phase {
    CEILING, SPREAD, HOT, FIXED, TIMELINE, AVAILABILITY, AVAILABILITY_FIXED, FEED, LAG;

    String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Phase of(String label) {
      return valueOf(label.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    static String labels() {
      return String.join(",", Arrays.stream(values()).map(Phase::label).toList());
    }
  }

  static final int DEFAULT_TIMELINE_RATE = 1000;
  static final int MAX_DAYS = 92;

  static final String HELP = """
      Usage: java -jar tally-perf.jar [options]
             java -jar tally-perf.jar free-port|reset-db|cluster-report|results ...

      Drives a running Tally service with reservation traffic and reports throughput and latency.

      Options:
        --url URL            Tally base URL; repeatable or comma-separated, requests go round-robin
                             (default http://127.0.0.1:8080)
        --pg-url URL         PostgreSQL URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres; enables the
                             ceiling phase (single-row autocommit inserts, plus pgbench when on PATH)
        --pools N            pools for the spread and fixed phases (default 1000)
        --duration S         measured seconds per phase (default 20)
        --warmup S           warm-up seconds before each measurement (default 5)
        --concurrency N      requests in flight during the spread and hot phases (default 256)
        --connections N      HTTP connections per URL (default 64)
        --rate R             requests/s for the fixed and timeline phases (default: fixed half the measured
                             spread rate, timeline %d)
        --timeout S          seconds a request may wait for a pooled connection, and again for its answer;
                             either expiry counts as a "timeout" error (default 10)
        --phases LIST        comma-separated subset of ceiling,spread,hot,fixed,timeline,availability,
                             availability-fixed,feed,lag; they always run in that order (default: ceiling (only
                             with --pg-url), spread, hot, fixed, availability, availability-fixed and feed)
        --out FILE           JSON summary (default perf/results/bench-<timestamp>.json)
        --watch NAME=PID     also report the CPU used by process PID and all its descendants as NAME;
                             NAME=pidfile:PATH reads the PID from the first line of PATH instead (e.g. a
                             postmaster.pid); repeatable or comma-separated. The generator, the machine's busy
                             cores and the steal share are always reported
        --help               print this text

      Timeline phase: sends --rate reservations/s for --warmup seconds, unrecorded, then for --duration seconds,
      round-robin over the URLs like a load balancer: a request whose connection fails before any HTTP answer,
      or that gets no answer within --timeout, is sent again with the same body to the next URL after a pause,
      until its deadline. It reports every second (by intended send time) and, with --pg-url, checks that
      every acknowledged reservation is in the journal.
        --deadline S         seconds from a request's intended send time until it counts as failed (default 30)
        --resend-pause MS    pause before a request is sent to the next URL (default 20)
        --requests-out FILE  also write every request of the timeline as CSV (gzip when FILE ends in .gz)
        --mark FILE          write the timeline's start (ms since the epoch) to FILE as sending begins

      Read side: availability sets up a storefront (--regions x --days x 12 two-hour slots, one pool of capacity
      50 per region and slot, about half of them partly or fully booked), waits until the availability index
      shows exactly that, then asks POST /availability with --concurrency questions in flight (a random region,
      7 days from a random day of the grid, 1 unit). availability-fixed asks at a fixed rate, released by a
      pacing thread at each question's intended time, and measures latency from that time. feed reads GET /events
      from 0:0 in pages of 1000 with one reader, until the end or 3 x --duration. lag writes through the first
      URL and listens on the second (the first when there is one): it defines --lag-samples pools of capacity 1
      in a region of their own, waits until a WebSocket on the listening node shows them all, then books one
      per 1/--lag-rate s and times each 201 until the socket reports that slot unavailable; every second sample
      also polls POST /availability on the listening node until the slot shows unavailable.
        --regions N          regions of the storefront (default 40)
        --days N             days of the storefront, at most %d (default 14)
        --read-rate R        questions/s for availability-fixed (default half the measured availability rate)
        --lag-samples N      bookings the lag phase times, at most %d (default 400)
        --lag-rate R         bookings/s of the lag phase (default 20)

      Subcommands:
        free-port [N]        print N (default 1) distinct free TCP ports on 127.0.0.1 and exit
        reset-db --pg-url URL
                             drop and recreate the public schema of a PostgreSQL on a loopback address, so the
                             next node starts on an empty journal
        cluster-report ...   merge the results of perf/cluster.sh into CSV, JSON and SVG (see ClusterReport)
        results --summary FILE --audit VERDICT --results FILE
                             append a load scenario run (perf/load.sh) to perf/RESULTS.md
      """.formatted(Options.DEFAULT_TIMELINE_RATE, Options.MAX_DAYS, ChangeLag.MAX_SAMPLES);

  /** A comma that starts the next {@code name=}, so a comma inside a pid file's path does not split it. */
  private static final Pattern WATCH_SEPARATOR = Pattern.compile(",(?=\\s*[A-Za-z][A-Za-z0-9_.-]*=)");

  List<Target> urls = new ArrayList<>();
  PgUrl pgUrl;
  int pools = 1000;
  int durationSeconds = 20;
  int warmupSeconds = 5;
  int concurrency = 256;
  int connections = 64;
  Double rate;
  int timeoutSeconds = 10;
  int deadlineSeconds = 30;
  int resendPauseMillis = 20;
  Path requestsOut;
  Path mark;
  int regions = 40;
  int days = 14;
  Double readRate;
  int lagSamples = 400;
  double lagRate = 20;
  Set<Phase> phases = EnumSet.complementOf(EnumSet.of(Phase.TIMELINE, Phase.LAG));
  boolean phasesGiven;
  Path out;
  List<Watch> watches = new ArrayList<>();
  boolean help;

  /** Thrown for a command line that cannot be run; the message says what to change. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  static Options parse(String[] args) throws UsageException {
    Options options = new Options();
    List<String> urls = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        options.help = true;
        continue;
      }
      if (!arg.startsWith("--")) {
        throw new UsageException("unexpected argument: " + arg);
      }
      String name = arg;
      String value;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else {
        if (i + 1 >= args.length) {
          throw new UsageException(name + " needs a value");
        }
        value = args[++i];
      }
      switch (name) {
        case "--url" -> urls.add(value);
        case "--pg-url" -> options.pgUrl = PgUrl.parse(value);
        case "--pools" -> options.pools = positive(name, value);
        case "--duration" -> options.durationSeconds = positive(name, value);
        case "--warmup" -> options.warmupSeconds = nonNegative(name, value);
        case "--concurrency" -> options.concurrency = positive(name, value);
        case "--connections" -> options.connections = positive(name, value);
        case "--rate" -> options.rate = positiveRate(name, value);
        case "--timeout" -> options.timeoutSeconds = positive(name, value);
        case "--deadline" -> options.deadlineSeconds = positive(name, value);
        case "--resend-pause" -> options.resendPauseMillis = nonNegative(name, value);
        case "--requests-out" -> options.requestsOut = Path.of(value);
        case "--mark" -> options.mark = Path.of(value);
        case "--regions" -> options.regions = positive(name, value);
        case "--days" -> options.days = positive(name, value);
        case "--read-rate" -> options.readRate = positiveRate(name, value);
        case "--lag-samples" -> options.lagSamples = positive(name, value);
        case "--lag-rate" -> options.lagRate = positiveRate(name, value);
        case "--phases" -> {
          options.phases = phases(value);
          options.phasesGiven = true;
        }
        case "--out" -> options.out = Path.of(value);
        case "--watch" -> watches(options.watches, value);
        default -> throw new UsageException("unknown option: " + name);
      }
    }
    if (options.help) {
      return options;
    }
    if (urls.isEmpty()) {
      urls.add("http://127.0.0.1:8080");
    }
    for (String list : urls) {
      for (String url : list.split(",")) {
        if (!url.isBlank()) {
          options.urls.add(Target.parse(url.trim()));
        }
      }
    }
    if (options.urls.isEmpty()) {
      throw new UsageException("--url names no URL");
    }
    if (options.pgUrl == null && options.phases.contains(Phase.CEILING)) {
      if (options.phasesGiven) {
        throw new UsageException("the ceiling phase needs --pg-url");
      }
      options.phases.remove(Phase.CEILING);
    }
    if (options.phases.contains(Phase.FIXED) && options.rate == null && !options.phases.contains(Phase.SPREAD)) {
      throw new UsageException("the fixed phase needs --rate when the spread phase does not run");
    }
    if (options.phases.contains(Phase.AVAILABILITY_FIXED) && options.readRate == null
        && !options.phases.contains(Phase.AVAILABILITY)) {
      throw new UsageException("the availability-fixed phase needs --read-rate when the availability phase does not"
          + " run");
    }
    if (options.days > MAX_DAYS) {
      throw new UsageException("--days must be at most " + MAX_DAYS + " (the longest availability window), got "
          + options.days);
    }
    if (options.lagSamples > ChangeLag.MAX_SAMPLES) {
      throw new UsageException("--lag-samples must be at most " + ChangeLag.MAX_SAMPLES + ", got "
          + options.lagSamples);
    }
    if (options.lagRate > 1000) {
      throw new UsageException("--lag-rate must be at most 1000, got " + options.lagRate);
    }
    if (options.out == null) {
      String stamp = LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
      options.out = Path.of("perf", "results", "bench-" + stamp + ".json");
    }
    return options;
  }

  private static int positive(String name, String value) throws UsageException {
    int parsed = integer(name, value);
    if (parsed < 1) {
      throw new UsageException(name + " must be at least 1, got " + value);
    }
    return parsed;
  }

  private static int nonNegative(String name, String value) throws UsageException {
    int parsed = integer(name, value);
    if (parsed < 0) {
      throw new UsageException(name + " must not be negative, got " + value);
    }
    return parsed;
  }

  private static int integer(String name, String value) throws UsageException {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new UsageException(name + " needs a whole number, got " + value);
    }
  }

  private static double positiveRate(String name, String value) throws UsageException {
    double parsed;
    try {
      parsed = Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new UsageException(name + " needs a number, got " + value);
    }
    if (!(parsed > 0) || Double.isInfinite(parsed)) {
      throw new UsageException(name + " must be a positive number, got " + value);
    }
    return parsed;
  }

  private static void watches(List<Watch> watches, String value) throws UsageException {
    for (String part : WATCH_SEPARATOR.split(value)) {
      if (part.isBlank()) {
        continue;
      }
      Watch watch = Watch.parse(part);
      if (watches.stream().anyMatch(known -> known.name().equals(watch.name()))) {
        throw new UsageException("--watch names " + watch.name() + " twice");
      }
      watches.add(watch);
    }
  }

  private static Set<Phase> phases(String value) throws UsageException {
    Set<Phase> phases = EnumSet.noneOf(Phase.class);
    for (String part : value.split(",")) {
      String label = part.trim().toLowerCase(Locale.ROOT);
      if (label.isEmpty()) {
        continue;
      }
      try {
        phases.add(Phase.of(label));
      } catch (IllegalArgumentException e) {
        throw new UsageException("unknown phase: " + part.trim() + " (known: " + Phase.labels() + ")");
      }
    }
    if (phases.isEmpty()) {
      throw new UsageException("--phases names no phase");
    }
    return phases;
  }

  JsonObject toJson() {
    JsonArray urlList = new JsonArray();
    urls.forEach(url -> urlList.add(url.toString()));
    JsonArray phaseList = new JsonArray();
    phases.forEach(phase -> phaseList.add(phase.label()));
    return new JsonObject()
        .put("urls", urlList)
        .put("pgUrl", pgUrl == null ? null : pgUrl.toString())
        .put("pools", pools)
        .put("durationSeconds", durationSeconds)
        .put("warmupSeconds", warmupSeconds)
        .put("concurrency", concurrency)
        .put("connections", connections)
        .put("rate", rate)
        .put("timeoutSeconds", timeoutSeconds)
        .put("deadlineSeconds", deadlineSeconds)
        .put("resendPauseMillis", resendPauseMillis)
        .put("regions", regions)
        .put("days", days)
        .put("readRate", readRate)
        .put("lagSamples", lagSamples)
        .put("lagRate", lagRate)
        .put("phases", phaseList)
        .put("watch", new JsonArray(watches.stream().map(Watch::spec).toList()))
        .put("out", out.toString());
  }

  boolean runs(Phase phase) {
    return phases.contains(phase);
  }

  boolean needsHttp() {
    return phases.stream().anyMatch(phase -> phase != Phase.CEILING);
  }

  double timelineRate() {
    return rate != null ? rate : DEFAULT_TIMELINE_RATE;
  }
}
