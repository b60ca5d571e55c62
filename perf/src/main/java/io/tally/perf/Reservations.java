package io.tally.perf;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reservation traffic: one unit per request, a never-repeated order id, a pool drawn at random from a fixed set.
 *
 * <p>Order ids combine a run-unique prefix, the event loop index and a per-loop counter, so they are unique without
 * any shared state; the same counter walks the target URLs round-robin. Bodies are assembled as plain strings since
 * their shape never changes.
 */
final class Reservations implements Load {

  private final TallyApi api;
  private final List<Target> targets;
  private final String[] paths;
  private final String orderPrefix;
  private final long[] counters;

  Reservations(TallyApi api, List<Target> targets, List<String> poolIds, String orderPrefix, int loops) {
    this.api = api;
    this.targets = List.copyOf(targets);
    this.paths = poolIds.stream().map(id -> "/pools/" + id + "/reservations").toArray(String[]::new);
    this.orderPrefix = orderPrefix;
    this.counters = new long[loops];
  }

  @Override
  public Future<String> call(int loop, int slot) {
    long n = counters[loop]++;
    String path = paths.length == 1 ? paths[0] : paths[ThreadLocalRandom.current().nextInt(paths.length)];
    Target target = targets.size() == 1 ? targets.get(0) : targets.get((int) (n % targets.size()));
    Buffer body = Buffer.buffer("{\"orderId\":\"" + orderPrefix + loop + "-" + n + "\",\"units\":1}");
    return api.reserve(target, path, body);
  }
}
