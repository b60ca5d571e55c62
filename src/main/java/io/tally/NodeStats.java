package io.tally;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.tally.contract.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.concurrent.TimeUnit;

/**
 * This node's key numbers over the last minute, for the operator console's cluster panel: the p99 of reservation
 * requests it answered, the journal transactions and stream appends it committed per second, and how many events its
 * projections are behind. Read from the node's meters every {@value #SAMPLE_SECONDS} seconds and answered on
 * {@link Addresses#stats}, so that any web node can show the whole cluster. With metrics off, each number is
 * {@code null}.
 */
final class NodeStats {

  static final int SAMPLE_SECONDS = 5;
  private static final int WINDOW_SAMPLES = 60 / SAMPLE_SECONDS;
  private static final String RESERVATIONS = "/pools/:poolId/reservations";

  /** One reading of the cumulative meters. */
  private record Sample(long atNanos, double[] bounds, double[] counts, double commits, double appends) {
  }

  private final MeterRegistry registry;
  private final Deque<Sample> samples = new ArrayDeque<>();
  private long timer;
  private MessageConsumer<JsonObject> consumer;

  private NodeStats(MeterRegistry registry) {
    this.registry = registry;
  }

  static Future<NodeStats> start(Vertx vertx, String nodeId, MeterRegistry registry) {
    NodeStats stats = new NodeStats(registry);
    stats.sample();
    stats.timer = vertx.setPeriodic(SAMPLE_SECONDS * 1_000L, tick -> stats.sample());
    stats.consumer = vertx.eventBus().consumer(Addresses.stats(nodeId), message -> message.reply(stats.now()));
    return stats.consumer.completion().map(stats);
  }

  void stop(Vertx vertx) {
    vertx.cancelTimer(timer);
    consumer.unregister();
  }

  private void sample() {
    Collection<Timer> reservations = registry.find("vertx.http.server.response.time").tag("route", RESERVATIONS)
        .tag("method", "POST").timers();
    double[] bounds = new double[0];
    double[] counts = new double[0];
    for (Timer timer : reservations) {
      CountAtBucket[] buckets = timer.takeSnapshot().histogramCounts();
      if (bounds.length == 0) {
        bounds = new double[buckets.length];
        counts = new double[buckets.length];
        for (int i = 0; i < buckets.length; i++) {
          bounds[i] = buckets[i].bucket(TimeUnit.MILLISECONDS);
        }
      }
      for (int i = 0; i < Math.min(buckets.length, counts.length); i++) {
        counts[i] += buckets[i].count();
      }
    }
    double commits = registry.find("tally.journal.commit").tag("outcome", "committed").timers().stream()
        .mapToDouble(Timer::count).sum();
    double appends = registry.find("tally.journal.appends").tag("outcome", "committed").counters().stream()
        .mapToDouble(Counter::count).sum();
    samples.addLast(new Sample(System.nanoTime(), bounds, counts, commits, appends));
    while (samples.size() > WINDOW_SAMPLES + 1) {
      samples.removeFirst();
    }
  }

  /** The numbers between the oldest sample kept and the newest: up to the last minute. */
  private JsonObject now() {
    Sample first = samples.peekFirst();
    Sample last = samples.peekLast();
    double seconds = (last.atNanos() - first.atNanos()) / 1e9;
    JsonObject stats = new JsonObject().put("windowSeconds", Math.round(seconds));
    boolean metered = registry.find("tally.journal.commit").timers().size() > 0
        || registry.find("tally.projection.lag.events").gauges().size() > 0;
    if (!metered || seconds <= 0) {
      return stats.putNull("reserveP99Ms").putNull("commitsPerSecond").putNull("appendsPerSecond")
          .putNull("projectionLagEvents");
    }
    stats.put("reserveP99Ms", p99(first, last));
    stats.put("commitsPerSecond", Math.round((last.commits() - first.commits()) / seconds * 10) / 10.0);
    stats.put("appendsPerSecond", Math.round((last.appends() - first.appends()) / seconds * 10) / 10.0);
    double lag = registry.find("tally.projection.lag.events").gauges().stream().mapToDouble(Gauge::value)
        .filter(value -> !Double.isNaN(value)).max().orElse(0);
    return stats.put("projectionLagEvents", (long) lag);
  }

  /**
   * The upper bound of the latency bucket holding the 99th percentile of the reservations answered between the two
   * samples, in milliseconds; {@code null} when there were none.
   */
  private static Double p99(Sample first, Sample last) {
    if (last.counts().length == 0) {
      return null;
    }
    double[] counts = last.counts().clone();
    if (first.counts().length == counts.length) {
      for (int i = 0; i < counts.length; i++) {
        counts[i] -= first.counts()[i];
      }
    }
    double total = counts[counts.length - 1];
    if (total <= 0) {
      return null;
    }
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] >= total * 0.99) {
        return last.bounds()[i];
      }
    }
    return last.bounds()[last.bounds().length - 1];
  }
}
