package io.tally.perf;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How long a booking made through one node takes to reach a WebSocket client of another, sample by sample.
 *
 * <p>Sample {@code i} books pool {@code i} (capacity 1) through the writing node; its socket lag is the time from
 * that booking's {@code 201} until the listening socket's message that the slot is unavailable. The socket's
 * messages carry Gatling's receipt time, in whole milliseconds since the epoch, so socket lags are whole
 * milliseconds, and a message can beat the {@code 201} to the client, which makes a lag negative. Every second
 * sample (odd {@code i}) also polls the listening node's {@code POST /availability} until the slot shows
 * unavailable: its poll lag is timed with {@link System#nanoTime()}. The two halves' socket lags are reported
 * apart, so the polling's own load can be told from the rest. Methods are synchronized: the booking user and the
 * socket's messages may be handled on different threads.
 */
final class LagSamples {

  private final List<String> poolIds;
  private final Map<String, Integer> index = new HashMap<>();
  private final boolean[] sent;
  private final long[] ackMillis;
  private final long[] ackNanos;
  private final long[] pushedMillis;
  private final long[] polledNanos;
  private final boolean[] failed;
  private final Map<String, Long> messages = new TreeMap<>();
  private final Map<String, Long> errors = new TreeMap<>();
  private long polls;

  LagSamples(List<String> poolIds) {
    this.poolIds = List.copyOf(poolIds);
    int n = poolIds.size();
    for (int i = 0; i < n; i++) {
      index.put(poolIds.get(i), i);
    }
    sent = new boolean[n];
    ackMillis = new long[n];
    ackNanos = new long[n];
    pushedMillis = new long[n];
    polledNanos = new long[n];
    failed = new boolean[n];
  }

  int size() {
    return poolIds.size();
  }

  String poolId(int i) {
    return poolIds.get(i);
  }

  /** Whether sample {@code i} is one that also polls. */
  static boolean polls(int i) {
    return i % 2 == 1;
  }

  synchronized void sent(int i) {
    sent[i] = true;
  }

  synchronized void acknowledged(int i, long epochMillis, long nanos) {
    ackMillis[i] = epochMillis;
    ackNanos[i] = nanos;
  }

  synchronized void failed(int i, String outcome) {
    failed[i] = true;
    errors.merge("booking " + outcome, 1L, Long::sum);
  }

  synchronized boolean acknowledged(int i) {
    return ackNanos[i] != 0;
  }

  synchronized boolean pushed(int i) {
    return pushedMillis[i] != 0;
  }

  /** One poll of sample {@code i} was answered, showing the slot unavailable or not. */
  synchronized void polled(int i, long nanos, boolean unavailable) {
    polls++;
    if (unavailable && polledNanos[i] == 0) {
      polledNanos[i] = nanos;
    }
  }

  synchronized boolean pollShowed(int i) {
    return polledNanos[i] != 0;
  }

  /** A text message the listening socket received at {@code epochMillis}. */
  synchronized void message(long epochMillis, String text) {
    JsonObject message;
    try {
      message = new JsonObject(text);
    } catch (RuntimeException e) {
      messages.merge("not JSON", 1L, Long::sum);
      return;
    }
    Integer i = index.get(message.getString("poolId"));
    boolean unavailable = "slot".equals(message.getString("type"))
        && Boolean.FALSE.equals(message.getBoolean("available")) && Boolean.TRUE.equals(message.getBoolean("open"));
    if (i == null || !unavailable) {
      messages.merge("unexpected " + message.getString("type") + (i == null ? " of another pool"
          : " available=" + message.getValue("available") + " open=" + message.getValue("open")), 1L, Long::sum);
      return;
    }
    if (pushedMillis[i] != 0) {
      messages.merge("repeated", 1L, Long::sum);
      return;
    }
    if (!sent[i]) {
      messages.merge("unavailable before the booking was sent", 1L, Long::sum);
      return;
    }
    pushedMillis[i] = epochMillis;
    messages.merge("slot unavailable", 1L, Long::sum);
  }

  /** Everything measured, with {@code timeoutMs} named in the errors of samples that never showed. */
  synchronized JsonObject toJson(long timeoutMs) {
    List<Double> all = new ArrayList<>();
    List<Double> polled = new ArrayList<>();
    List<Double> notPolled = new ArrayList<>();
    List<Double> pollLags = new ArrayList<>();
    Map<String, Long> problems = new TreeMap<>(errors);
    long negative = 0;
    for (int i = 0; i < size(); i++) {
      if (failed[i]) {
        continue;
      }
      if (ackNanos[i] == 0) {
        problems.merge(sent[i] ? "booking unanswered" : "booking never sent", 1L, Long::sum);
        continue;
      }
      if (pushedMillis[i] == 0) {
        problems.merge("no socket message within " + timeoutMs + " ms of the 201", 1L, Long::sum);
      } else {
        double lag = pushedMillis[i] - ackMillis[i];
        negative += lag < 0 ? 1 : 0;
        all.add(lag);
        (polls(i) ? polled : notPolled).add(lag);
      }
      if (polls(i)) {
        if (polledNanos[i] == 0) {
          problems.merge("polling never showed the slot unavailable", 1L, Long::sum);
        } else {
          pollLags.add((polledNanos[i] - ackNanos[i]) / 1e6);
        }
      }
    }
    long polledSamples = size() / 2 - countFailedPolled();
    return new JsonObject()
        .put("samples", all.size())
        .put("negativeLags", negative)
        .put("socketLagMs", summary(all))
        .put("socketLagMsSamplesNotPolled", summary(notPolled))
        .put("socketLagMsSamplesPolled", summary(polled))
        .put("pollLagMs", summary(pollLags))
        .put("pollsPerSample", polledSamples <= 0 ? null : Math.round(10.0 * polls / polledSamples) / 10.0)
        .put("socketMessages", new JsonObject(new TreeMap<>(messages)))
        .put("errors", new JsonObject(new TreeMap<>(problems)));
  }

  private long countFailedPolled() {
    long count = 0;
    for (int i = 1; i < size(); i += 2) {
      count += failed[i] ? 1 : 0;
    }
    return count;
  }

  /** Nearest-rank percentiles of {@code values} (ms), null figures when there are none. */
  static JsonObject summary(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    JsonObject json = new JsonObject().put("samples", sorted.length);
    if (sorted.length == 0) {
      return json.put("min", null).put("p50", null).put("p90", null).put("p99", null).put("max", null)
          .put("mean", null);
    }
    return json.put("min", round(sorted[0]))
        .put("p50", round(percentile(sorted, 50)))
        .put("p90", round(percentile(sorted, 90)))
        .put("p99", round(percentile(sorted, 99)))
        .put("max", round(sorted[sorted.length - 1]))
        .put("mean", round(Arrays.stream(sorted).average().orElse(0)));
  }

  static double percentile(double[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
