package io.tally.perf;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates the pools a phase reserves from, before its clock starts.
 *
 * <p>Capacity is far beyond what any run can consume, so every refusal seen later is a real error rather than an
 * exhausted pool; the slot lies a week ahead so the pools stay valid however the service judges slot times. An
 * existing pool is accepted, which makes re-running against the same service harmless.
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
    EventLoops.await(EventLoops.on(context, () -> createAll(poolIds)), limit);
  }

  private Future<Void> createAll(List<String> poolIds) {
    Instant start = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(7, ChronoUnit.DAYS);
    JsonObject slot = new JsonObject()
        .put("start", start.toString())
        .put("end", start.plus(2, ChronoUnit.HOURS).toString());
    int[] cursor = {0};
    List<Future<Void>> lanes = new ArrayList<>();
    for (int i = 0; i < Math.min(PARALLEL, poolIds.size()); i++) {
      lanes.add(lane(poolIds, slot, cursor));
    }
    return Future.all(lanes).mapEmpty();
  }

  private Future<Void> lane(List<String> poolIds, JsonObject slot, int[] cursor) {
    int index = cursor[0]++;
    if (index >= poolIds.size()) {
      return Future.succeededFuture();
    }
    JsonObject pool = new JsonObject()
        .put("poolId", poolIds.get(index))
        .put("capacity", CAPACITY)
        .put("slot", slot)
        .put("regions", new JsonArray().add("R1"));
    Target target = targets.get(index % targets.size());
    return api.createPool(target, pool).compose(created -> lane(poolIds, slot, cursor));
  }
}
