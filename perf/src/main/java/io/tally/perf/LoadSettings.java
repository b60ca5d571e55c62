package io.tally.perf;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * What a load scenario is asked to do, read from system properties ({@code -Dname=value} on the command line that
 * starts it) so every scenario is one command against any deployment.
 *
 * <p>"1×" is a busy grocery's peak second: {@value #AVAILABILITY_PER_SECOND} availability questions,
 * {@value #RESERVATIONS_PER_SECOND} reservations and {@value #RELEASES_PER_SECOND} releases per second, over a
 * storefront of {@code regions} × {@code days} × 12 two-hour slots. Every scenario is a multiple of that mix; a
 * value that makes no sense stops the run before any request is sent, with the property's name in the message.
 */
final class LoadSettings {

  static final int AVAILABILITY_PER_SECOND = 500;
  static final int RESERVATIONS_PER_SECOND = 50;
  static final int RELEASES_PER_SECOND = 5;
  /**
   * Requests one target URL may have in flight before the client refuses more ({@code -DmaxInFlight}), as a load
   * balancer's connection limit does: Gatling's shared pool opens a connection for every request that finds none
   * idle, so without a bound a stall of a few seconds at 10× opens tens of thousands and runs generator and nodes
   * out of file descriptors, which turns the stall into an outage. Against a real load balancer the bound is set
   * to that balancer's own connection limit, so that the balancer decides what happens to every request it can
   * accept.
   */
  static final int MAX_IN_FLIGHT = 2_000;
  /**
   * Requests a closed loop keeps in flight per target URL ({@code -Dconcurrency}). 64 is what reached a node at
   * once from the load generator Gatling replaced: it queued 256 requests on 64 connections per URL, HTTP/1.1
   * without pipelining, so a node never saw more than 64 at a time.
   */
  static final int DEFAULT_CONCURRENCY = 64;
  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  /** Thrown for a property that cannot be used; the message names it. */
  static final class Invalid extends RuntimeException {
    Invalid(String message) {
      super(message);
    }
  }

  final String scenario;
  final List<URI> urls;
  final double multiple;
  final Duration duration;
  final Duration warmup;
  final int regions;
  final int days;
  final Path out;
  final String watch;
  final String commit;
  // Ramps: levels of `from`, `from + step`, … times 1×, each held for `level` after a ramp of `rampBetween`.
  final double from;
  final double step;
  final int levels;
  final Duration level;
  final Duration rampBetween;
  final double breakP99Ms;
  final double breakErrorShare;
  final int maxInFlight;
  // Failover and rolling restarts: commands run at moments of the run, one at a time, for any deployment.
  final List<Action> actions;
  // Closed loops (the peaks): requests kept in flight per target URL, and the pools reservations spread over.
  final int concurrency;
  final int pools;
  // Fixed arrival rates (fixed, availability-fixed, the cluster timeline): per second, NaN when not given.
  final double rate;
  // Actions: an action starts no sooner than this after the previous one finished.
  final Duration settle;
  // Change lag: bookings to time, their rate, and how long a sample may wait for the change to show.
  final int lagSamples;
  final double lagRate;
  final Duration lagTimeout;
  // Feed: how long the measured read may take before it stops short of the end of the journal.
  final Duration feedLimit;
  // Replay.
  final Path replayLog;
  final double speed;
  final Path record;

  /**
   * A command the run executes {@code at} after its start, e.g. a SIGKILL of one node; {@code property} is the
   * setting that scheduled it, for messages.
   */
  record Action(String name, Duration at, String command, String property) {
  }

  LoadSettings(String scenario, Properties properties) {
    this.scenario = scenario;
    Reader p = new Reader(properties);
    this.urls = p.urls("urls", "http://127.0.0.1:8080");
    this.multiple = p.positive("multiple", 1);
    this.duration = p.seconds("seconds", 120);
    this.warmup = p.seconds("warmup", 30);
    this.regions = (int) p.whole("regions", 40, 1, 999);
    this.days = (int) p.whole("days", 14, 7, 92);
    String stamp = LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    this.out = Path.of(p.text("out", Path.of("perf", "results", scenario + "-" + stamp).toString()))
        .toAbsolutePath();
    this.watch = p.text("watch", "");
    this.commit = p.text("commit", "unknown");
    this.from = p.positive("from", 4);
    this.step = p.positive("step", 2);
    this.levels = (int) p.whole("levels", 14, 1, 1000);
    this.level = p.seconds("levelSeconds", 30);
    this.rampBetween = p.seconds("rampSeconds", 5);
    this.breakP99Ms = p.positive("breakP99Ms", 200);
    this.breakErrorShare = p.positive("breakErrorPercent", 0.1) / 100;
    this.maxInFlight = (int) p.whole("maxInFlight", MAX_IN_FLIGHT, 1, 1_000_000);
    this.concurrency = (int) p.whole("concurrency", DEFAULT_CONCURRENCY, 1, 10_000);
    this.pools = (int) p.whole("pools", 1000, 1, 1_000_000);
    this.rate = p.positive("rate", Double.NaN);
    this.settle = p.seconds("settle", 0);
    this.lagSamples = (int) p.whole("lag.samples", 400, 1, 5_000);
    this.lagRate = p.positive("lag.rate", 20);
    if (lagRate > 1000) {
      throw new Invalid("-Dlag.rate must be at most 1000 bookings per second, got " + lagRate);
    }
    this.lagTimeout = p.seconds("lag.timeout", 10);
    this.feedLimit = p.seconds("feed.seconds", 3 * duration.toSeconds());
    List<Action> planned = new ArrayList<>();
    for (String name : List.of("kill", "restart", "graceful")) {
      String command = p.text(name + ".command", "");
      if (!command.isBlank()) {
        planned.add(new Action(name, p.seconds(name + ".at", -1), command, name + ".at"));
      }
    }
    planned.addAll(rollingRestarts(p));
    planned.sort(Comparator.comparing(Action::at));
    Duration end = warmup.plus(duration);
    for (Action action : planned) {
      if (action.at().compareTo(end) >= 0) {
        throw new Invalid(String.format(Locale.ROOT, "-D%s: %s at %.1f s would run after the end of the run (%d s:"
            + " -Dwarmup plus -Dseconds)", action.property(), action.name(), action.at().toMillis() / 1e3,
            end.toSeconds()));
      }
    }
    this.actions = List.copyOf(planned);
    String log = p.text("log", "");
    this.replayLog = log.isBlank() ? null : Path.of(log).toAbsolutePath();
    this.speed = p.positive("speed", 1);
    String recordTo = p.text("record", "");
    this.record = recordTo.isBlank() ? null : Path.of(recordTo).toAbsolutePath();
  }

  /**
   * A rolling restart: {@code -Drolling.command} run once for each of {@code -Drolling.nodes}, in order, at the
   * matching moment of {@code -Drolling.at}, with {@code {node}} replaced by the node's name. The command is
   * expected to restart that node gracefully and to return once it serves again, so the next one is not stopped
   * before then (actions run one at a time).
   */
  private static List<Action> rollingRestarts(Reader p) {
    String command = p.text("rolling.command", "");
    if (command.isBlank()) {
      return List.of();
    }
    if (!command.contains("{node}")) {
      throw new Invalid("-Drolling.command must name the node to restart as {node}, got '" + command + "'");
    }
    List<String> nodes = p.list("rolling.nodes");
    if (nodes.isEmpty()) {
      throw new Invalid("-Drolling.nodes is needed: the nodes to restart, in order (e.g. n1,n2,n3)");
    }
    for (String node : nodes) {
      if (!NODE_NAME.matcher(node).matches()) {
        throw new Invalid("-Drolling.nodes: '" + node + "' is not a node name (letters, digits, '.', '_', '-')");
      }
    }
    List<Duration> moments = p.secondsList("rolling.at");
    if (moments.size() != nodes.size()) {
      throw new Invalid("-Drolling.at needs one moment per node of -Drolling.nodes (" + nodes.size() + "), got "
          + moments.size());
    }
    List<Action> restarts = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (i > 0 && moments.get(i).compareTo(moments.get(i - 1)) <= 0) {
        throw new Invalid("-Drolling.at must list increasing moments, one per node in order, got "
            + p.text("rolling.at", ""));
      }
      restarts.add(new Action("graceful " + nodes.get(i), moments.get(i), command.replace("{node}", nodes.get(i)),
          "rolling.at"));
    }
    return restarts;
  }

  static LoadSettings fromSystem(String scenario) {
    return new LoadSettings(scenario, System.getProperties());
  }

  /** Whether this run is judged level by level until it breaks ({@code ramp}, {@code hot-ramp}). */
  boolean ramps() {
    return scenario.endsWith("ramp");
  }

  double availabilityRate(double times) {
    return AVAILABILITY_PER_SECOND * times;
  }

  double checkoutRate(double times) {
    return RESERVATIONS_PER_SECOND * times;
  }

  /** The fixed arrival rate {@code -Drate}, which this scenario cannot run without. */
  double requiredRate() {
    if (Double.isNaN(rate)) {
      throw new Invalid(scenario + " needs -Drate (requests per second); perf/bench.sh passes half the measured peak");
    }
    return rate;
  }

  /** The multiple of 1× that ramp level {@code index} (from 0) runs at. */
  double levelMultiple(int index) {
    return from + step * index;
  }

  /** When ramp level {@code index} starts, measured from the first arrival (the first follows the warm-up). */
  Duration levelStart(int index) {
    return warmup.plus(level.plus(rampBetween).multipliedBy(index));
  }

  String describe() {
    return String.format(Locale.ROOT, "%s: %s, %.1fx = %.0f availability + %.1f reservations + %.1f releases /s",
        scenario, urls, multiple, availabilityRate(multiple), checkoutRate(multiple),
        checkoutRate(multiple) * RELEASES_PER_SECOND / RESERVATIONS_PER_SECOND);
  }

  /** Typed access to the properties, failing with the property's name. */
  private record Reader(Properties properties) {

    /**
     * The property's text. The Gatling Maven plugin hands a value with spaces (a command) to the JVM it forks
     * wrapped in double quotes, so one pair around the whole value is removed.
     */
    String text(String name, String fallback) {
      String value = properties.getProperty(name);
      if (value == null) {
        return fallback;
      }
      String trimmed = value.trim();
      return trimmed.length() >= 2 && trimmed.startsWith("\"") && trimmed.endsWith("\"")
          ? trimmed.substring(1, trimmed.length() - 1) : trimmed;
    }

    double positive(String name, double fallback) {
      String value = properties.getProperty(name);
      if (value == null || value.isBlank()) {
        return fallback;
      }
      try {
        double parsed = Double.parseDouble(value.trim());
        if (parsed > 0 && !Double.isInfinite(parsed)) {
          return parsed;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new Invalid("-D" + name + " must be a positive number, got '" + value + "'");
    }

    long whole(String name, long fallback, long min, long max) {
      String value = properties.getProperty(name);
      if (value == null || value.isBlank()) {
        return fallback;
      }
      try {
        long parsed = Long.parseLong(value.trim());
        if (parsed >= min && parsed <= max) {
          return parsed;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new Invalid("-D" + name + " must be a whole number from " + min + " to " + max + ", got '" + value + "'");
    }

    /** The comma-separated values of the property, trimmed, empty ones dropped; none when it is not set. */
    List<String> list(String name) {
      return Arrays.stream(text(name, "").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** A comma-separated list of moments in seconds, which must be given. */
    List<Duration> secondsList(String name) {
      List<String> values = list(name);
      if (values.isEmpty()) {
        throw new Invalid("-D" + name + " is needed (seconds from the start of the run, comma-separated)");
      }
      return values.stream().map(value -> Duration.ofMillis(Math.round(positiveOrZero(name, value, 0) * 1000)))
          .toList();
    }

    Duration seconds(String name, long fallback) {
      String value = properties.getProperty(name);
      if ((value == null || value.isBlank()) && fallback < 0) {
        throw new Invalid("-D" + name + " is needed (seconds from the start of the run)");
      }
      return Duration.ofMillis(Math.round(positiveOrZero(name, value, fallback) * 1000));
    }

    private double positiveOrZero(String name, String value, double fallback) {
      if (value == null || value.isBlank()) {
        return fallback;
      }
      try {
        double parsed = Double.parseDouble(value.trim());
        if (parsed >= 0 && !Double.isInfinite(parsed)) {
          return parsed;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new Invalid("-D" + name + " must be a number of seconds, got '" + value + "'");
    }

    List<URI> urls(String name, String fallback) {
      String value = text(name, fallback);
      List<URI> parsed = new ArrayList<>();
      for (String part : Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList()) {
        URI uri;
        try {
          uri = URI.create(part.endsWith("/") ? part.substring(0, part.length() - 1) : part);
        } catch (IllegalArgumentException e) {
          throw new Invalid("-D" + name + " has an invalid URL: " + part);
        }
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
          throw new Invalid("-D" + name + " needs http://host:port URLs, got " + part);
        }
        parsed.add(uri);
      }
      if (parsed.isEmpty()) {
        throw new Invalid("-D" + name + " lists no URL");
      }
      return List.copyOf(parsed);
    }
  }
}
