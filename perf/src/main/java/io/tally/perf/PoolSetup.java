package io.tally.perf;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Creates the pools a phase reserves from, and any other state a phase needs, before its clock starts.
 *
 * <p>Capacity of the reservation phases' pools is far beyond what any run can consume, so every refusal seen later
 * is a real error rather than an exhausted pool; the slot lies a week ahead so the pools stay valid however the
 * service judges slot times. An existing pool is accepted, which makes re-running against the same service
 * harmless. Requests go {@value #PARALLEL} at a time, round-robin over the targets, so a setup of thousands of pools
 * takes seconds without being a load test of its own.
 */
final class PoolSetup {

  static final long CAPACITY = 100_000_000L;
  private static final int PARALLEL = 32;

  private final TallyApi api;
  private final List<Target> targets;
  private final Context context;

  PoolSetup(TallyApi api, List<Target> targets, Context context) {
    this.api = api;
    this.targets = List.copyOf(targets);
    this.context = context;
  }

  void create(List<String> poolIds, Duration limit) {
    Instant start = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(7, ChronoUnit.DAYS);
    JsonObject slot = new JsonObject()
        .put("start", start.toString())
        .put("end", start.plus(2, ChronoUnit.HOURS).toString());
    define(poolIds.stream().map(poolId -> new JsonObject()
        .put("poolId", poolId)
        .put("capacity", CAPACITY)
        .put("slot", slot)
        .put("regions", new JsonArray().add("R1"))).toList(), limit);
  }

  /** Defines every pool of {@code pools} (the bodies of {@code POST /pools}). */
  void define(List<JsonObject> pools, Duration limit) {
    each(pools, limit, api::createPool);
  }

  /** Runs {@code action} for every item, {@value #PARALLEL} at a time, item {@code i} against target i mod n. */
  <T> void each(List<T> items, Duration limit, BiFunction<Target, T, Future<Void>> action) {
    EventLoops.await(EventLoops.on(context, () -> {
      int[] cursor = {0};
      List<Future<Void>> lanes = new ArrayList<>();
      for (int i = 0; i < Math.min(PARALLEL, items.size()); i++) {
        Promise<Void> lane = Promise.promise();
        next(items, cursor, action, lane);
        lanes.add(lane.future());
      }
      return Future.all(lanes).mapEmpty();
    }), limit);
  }

  private <T> void next(List<T> items, int[] cursor, BiFunction<Target, T, Future<Void>> action,
      Promise<Void> lane) {
    int index = cursor[0]++;
    if (index >= items.size()) {
      lane.tryComplete();
      return;
    }
    action.apply(targets.get(index % targets.size()), items.get(index)).onComplete(result -> {
      if (result.failed()) {
        lane.tryFail(result.cause());
      } else {
        next(items, cursor, action, lane);
      }
    });
  }
}
