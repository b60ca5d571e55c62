package io.tally.perf;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The read side as a storefront sees it: a grid of delivery slots, partly booked, and the availability questions a
 * checkout page asks about it.
 *
 * <p>The availability index answers from memory, so what a question costs depends on how many slots it walks and
 * returns; the grid therefore has the shape of a real delivery calendar ({@code regions} × {@code days} × 12
 * two-hour slots, one pool of capacity {@value #CAPACITY} per region and slot, starting tomorrow, UTC), and about half
 * of its pools are booked, a fifth of them full, so answers mix available and unavailable slots. Bookings follow a
 * fixed seed, so every run asks about the same picture.
 *
 * <p>Before any clock starts, every target must show exactly that picture for every region (the right pools, in
 * start order, each available exactly when it is not full): a peak measured on an index that is still loading, or
 * that is wrong, would be a number about something else. How long the index took to get there after the last
 * booking was acknowledged is reported with the setup.
 */
final class Storefront {

  static final int SLOTS_PER_DAY = 12;
  static final int SLOT_HOURS = 2;
  static final int CAPACITY = 50;
  static final int WINDOW_DAYS = 7;
  private static final long SEED = 20_261_201L;
  private static final double FULL_SHARE = 0.2;
  private static final double PARTLY_SHARE = 0.3;
  private static final Duration POLL = Duration.ofMillis(100);

  /** One pool of the grid, with how much of it is booked. */
  record Slot(String poolId, String region, int day, int slot, int booked) {
    boolean full() {
      return booked >= CAPACITY;
    }
  }

  private final Vertx vertx;
  private final TallyApi api;
  private final List<Target> targets;
  private final Context context;
  private final String runId;
  private final LocalDate firstDay;
  private final int days;
  private final List<String> regions;
  private final List<Slot> slots = new ArrayList<>();
  private final Map<String, Map<String, Slot>> byRegion = new HashMap<>();

  Storefront(Vertx vertx, TallyApi api, List<Target> targets, Context context, String runId, int regionCount,
      int days) {
    this.vertx = vertx;
    this.api = api;
    this.targets = List.copyOf(targets);
    this.context = context;
    this.runId = runId;
    this.firstDay = LocalDate.now(ZoneOffset.UTC).plusDays(1);
    this.days = days;
    List<String> names = new ArrayList<>();
    for (int r = 0; r < regionCount; r++) {
      names.add(String.format(Locale.ROOT, "%s-R%02d", runId, r));
    }
    this.regions = List.copyOf(names);
    Random random = new Random(SEED);
    for (String region : regions) {
      for (int day = 0; day < days; day++) {
        for (int slot = 0; slot < SLOTS_PER_DAY; slot++) {
          double draw = random.nextDouble();
          int booked = draw < FULL_SHARE ? CAPACITY
              : draw < FULL_SHARE + PARTLY_SHARE ? 1 + random.nextInt(CAPACITY - 1) : 0;
          String poolId = String.format(Locale.ROOT, "sf-%s-%s-d%02d-s%02d", runId, region.substring(runId.length()
              + 1), day, slot);
          Slot entry = new Slot(poolId, region, day, slot, booked);
          slots.add(entry);
          byRegion.computeIfAbsent(region, r -> new HashMap<>()).put(poolId, entry);
        }
      }
    }
  }

  int pools() {
    return slots.size();
  }

  /** Defines the grid and books it through {@code setup}; returns what was done and how long it took. */
  JsonObject setUp(PoolSetup setup, Duration limit) {
    long began = System.nanoTime();
    List<JsonObject> definitions = slots.stream().map(this::definition).toList();
    setup.define(definitions, limit);
    long defined = System.nanoTime();
    List<Slot> booked = slots.stream().filter(slot -> slot.booked() > 0).toList();
    setup.each(booked, limit, this::book);
    long done = System.nanoTime();
    JsonObject result = new JsonObject()
        .put("regions", regions.size())
        .put("days", days)
        .put("slotsPerDay", SLOTS_PER_DAY)
        .put("pools", slots.size())
        .put("capacity", CAPACITY)
        .put("firstDay", firstDay.toString())
        .put("bookings", booked.size())
        .put("fullPools", slots.stream().filter(Slot::full).count())
        .put("defineSeconds", round((defined - began) / 1e9))
        .put("bookSeconds", round((done - defined) / 1e9));
    result.mergeIn(awaitIndex(limit));
    return result;
  }

  private JsonObject definition(Slot slot) {
    Instant start = firstDay.plusDays(slot.day()).atStartOfDay(ZoneOffset.UTC).toInstant()
        .plus(Duration.ofHours((long) SLOT_HOURS * slot.slot()));
    return new JsonObject()
        .put("poolId", slot.poolId())
        .put("capacity", CAPACITY)
        .put("slot", new JsonObject().put("start", start.toString())
            .put("end", start.plus(Duration.ofHours(SLOT_HOURS)).toString()))
        .put("regions", new JsonArray().add(slot.region()));
  }

  private Future<Void> book(Target target, Slot slot) {
    Buffer body = Buffer.buffer(new JsonObject().put("orderId", "o-" + slot.poolId())
        .put("units", slot.booked()).encode());
    return api.send(HttpMethod.POST, target, "/pools/" + slot.poolId() + "/reservations", body)
        .compose(reply -> reply.status() == 201 || reply.status() == 200 ? Future.<Void>succeededFuture()
            : Future.failedFuture("booking " + slot.booked() + " of " + slot.poolId() + " failed: "
                + reply.describe()));
  }

  /**
   * Waits until every target answers every region's whole grid as booked; fails with the last difference seen
   * when {@code limit} passes first.
   */
  private JsonObject awaitIndex(Duration limit) {
    long began = System.nanoTime();
    long deadline = began + limit.toNanos();
    int rounds = 0;
    String difference = null;
    while (System.nanoTime() < deadline) {
      rounds++;
      difference = EventLoops.await(EventLoops.on(context, this::firstDifference), limit);
      if (difference == null) {
        return new JsonObject().put("indexConsistentAfterMs", round((System.nanoTime() - began) / 1e6))
            .put("indexChecks", rounds);
      }
      sleep(POLL);
    }
    throw new IllegalStateException("the availability index did not show the storefront within " + limit.toSeconds()
        + " s; last difference: " + difference);
  }

  /** The first way in which a target's answers differ from the grid, or null when none does. */
  private Future<String> firstDifference() {
    Future<String> chain = Future.succeededFuture(null);
    for (Target target : targets) {
      for (String region : regions) {
        chain = chain.compose(found -> found != null ? Future.succeededFuture(found) : difference(target, region));
      }
    }
    return chain;
  }

  private Future<String> difference(Target target, String region) {
    JsonObject question = new JsonObject().put("region", region).put("from", firstDay.toString())
        .put("to", firstDay.plusDays(days).toString()).put("units", 1);
    return api.availability(target, question.toBuffer()).map(reply -> {
      if (reply.status() != 200) {
        return target + " answered " + reply.describe();
      }
      JsonArray answer = new JsonObject(reply.body()).getJsonArray("slots", new JsonArray());
      Map<String, Slot> expected = byRegion.get(region);
      if (answer.size() != expected.size()) {
        return target + " lists " + answer.size() + " slots for " + region + ", expected " + expected.size();
      }
      Instant previous = Instant.MIN;
      for (Object item : answer) {
        JsonObject slot = (JsonObject) item;
        Slot known = expected.get(slot.getString("poolId"));
        if (known == null) {
          return target + " lists pool " + slot.getString("poolId") + " for " + region;
        }
        if (slot.getBoolean("available", false) == known.full()) {
          return target + " says " + known.poolId() + " is " + (known.full() ? "available" : "unavailable");
        }
        Instant start = Instant.parse(slot.getString("start"));
        if (start.isBefore(previous)) {
          return target + " lists " + region + "'s slots out of start order at " + known.poolId();
        }
        previous = start;
      }
      return null;
    });
  }

  /** Expected slots in one answer, averaged over the questions {@link #questions} asks. */
  double expectedSlotsPerAnswer() {
    double sum = 0;
    for (int first = 0; first < days; first++) {
      sum += Math.min(WINDOW_DAYS, days - first) * SLOTS_PER_DAY;
    }
    return sum / days;
  }

  /**
   * Availability questions: a random region, {@value #WINDOW_DAYS} days from a random day of the grid, 1 unit,
   * round-robin over the targets. Bodies are prepared once; answers are checked for status 200 and their size
   * counted, not parsed.
   */
  Questions questions(int loops) {
    return new Questions(loops);
  }

  /** The query load, with the bytes its answers carried per event loop. */
  final class Questions implements Load {
    private final String[] bodies;
    private final long[] counters;
    private final long[] answers;
    private final long[] bytes;

    Questions(int loops) {
      bodies = new String[regions.size() * days];
      for (int r = 0; r < regions.size(); r++) {
        for (int d = 0; d < days; d++) {
          LocalDate from = firstDay.plusDays(d);
          bodies[r * days + d] = new JsonObject().put("region", regions.get(r)).put("from", from.toString())
              .put("to", from.plusDays(WINDOW_DAYS).toString()).put("units", 1).encode();
        }
      }
      counters = new long[loops];
      answers = new long[loops];
      bytes = new long[loops];
    }

    @Override
    public Future<String> call(int loop, int slot) {
      long n = counters[loop]++;
      Target target = targets.size() == 1 ? targets.get(0) : targets.get((int) (n % targets.size()));
      String body = bodies[ThreadLocalRandom.current().nextInt(bodies.length)];
      return api.availability(target, Buffer.buffer(body)).map(reply -> {
        answers[loop]++;
        bytes[loop] += reply.body().length();
        return TallyApi.outcome(reply, 200);
      });
    }

    /** Mean answer size in bytes over every answer so far, warm-up included; read after the phase ended. */
    double meanAnswerBytes() {
      long count = 0;
      long total = 0;
      for (int i = 0; i < answers.length; i++) {
        count += answers[i];
        total += bytes[i];
      }
      return count == 0 ? Double.NaN : (double) total / count;
    }
  }

  private void sleep(Duration pause) {
    EventLoops.await(EventLoops.on(context, () -> vertx.timer(pause.toMillis()).mapEmpty()), pause.plusSeconds(10));
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
