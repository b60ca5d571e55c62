package io.tally.perf;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Peak baskets per second: the closed loop of {@link Peak}, each user opening a basket of one unit in each of
 * {@code -Dbasket.items} (default 2) distinct random pools of {@code -Dpools} (1,000) and opening the next as soon
 * as the basket is answered. A basket is a hold per item, a recorded decision, a confirmation per item and a
 * recorded end, all before its answer, so its latency is that of several reservations in a row.
 */
public class BasketPeak extends StorefrontSimulation {

  private final List<String> pools;
  private final int items = Integer.getInteger("basket.items", 2);

  public BasketPeak() {
    super("basket-peak");
    this.pools = Pools.ids("bk-" + runId + "-", settings.pools);
    setUp(scenario("basket (closed loop)")
        .during(settings.warmup.plus(settings.duration), false).on(
            exec(stopIfBroken()).exec(basket(n -> pick())))
        .injectOpen(atOnceUsers(users())))
        .protocols(closedProtocol());
  }

  /** {@code items} distinct pools, at random. */
  private List<String> pick() {
    List<String> picked = new ArrayList<>(items);
    while (picked.size() < Math.min(items, pools.size())) {
      String poolId = pools.get(ThreadLocalRandom.current().nextInt(pools.size()));
      if (!picked.contains(poolId)) {
        picked.add(poolId);
      }
    }
    return picked;
  }

  private int users() {
    return settings.concurrency * settings.urls.size();
  }

  @Override
  protected String describe() {
    return String.format(Locale.ROOT, "%s: %s, closed loop of %d baskets in flight per URL (%d users), %d items"
        + " each over %d pools, %d s warm-up, %d s measured", settings.scenario, settings.urls, settings.concurrency,
        users(), items, pools.size(), settings.warmup.toSeconds(), settings.duration.toSeconds());
  }

  @Override
  protected void prepare() throws IOException {
    definePools(pools);
  }

  @Override
  protected List<String> kinds() {
    return List.of(LoadRun.BASKET);
  }

  @Override
  protected List<LoadRun.Window> windows() {
    return warmupAndMeasured(Map.of());
  }

  @Override
  protected JsonObject details() {
    return new JsonObject().put("pools", pools.size()).put("items", items).put("concurrencyPerUrl",
        settings.concurrency).put("users", users())
        .put("note", "closed loop, " + settings.concurrency + " baskets of " + items + " in flight per URL");
  }
}
