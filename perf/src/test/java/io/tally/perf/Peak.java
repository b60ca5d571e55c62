package io.tally.perf;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Peak reservations per second: a closed loop of {@code -Dconcurrency} users per target URL (default 64), each
 * reserving one unit in a random pool of {@code -Dpools} (default 1,000) and sending the next reservation as soon
 * as the previous one is answered, for {@code -Dwarmup} seconds and then {@code -Dseconds} measured. A closed loop
 * finds the saturation rate; its latencies are those of a saturated service. Every user keeps its own connection
 * to each URL, so a node sees at most {@code -Dconcurrency} requests at once; with several URLs the requests go
 * round-robin over them (the three-node peak of {@code perf/cluster.sh}).
 */
public class Peak extends StorefrontSimulation {

  private final List<String> pools;

  public Peak() {
    this("peak", false);
  }

  protected Peak(String scenario, boolean hot) {
    super(scenario);
    String prefix = "pk-" + runId + "-";
    this.pools = hot ? List.of(prefix + "hot") : Pools.ids(prefix, settings.pools);
    setUp(scenario(hot ? "reserve (one pool, closed loop)" : "reserve (closed loop)")
        .during(settings.warmup.plus(settings.duration), false).on(
            exec(stopIfBroken()).exec(reserve(n -> pools.get(ThreadLocalRandom.current().nextInt(pools.size())))))
        .injectOpen(atOnceUsers(users())))
        .protocols(closedProtocol());
  }

  private int users() {
    return settings.concurrency * settings.urls.size();
  }

  @Override
  protected String describe() {
    return String.format(Locale.ROOT, "%s: %s, closed loop of %d requests in flight per URL (%d users) over %d"
        + " pool(s), %d s warm-up, %d s measured", settings.scenario, settings.urls, settings.concurrency, users(),
        pools.size(), settings.warmup.toSeconds(), settings.duration.toSeconds());
  }

  @Override
  protected void prepare() throws IOException {
    definePools(pools);
  }

  @Override
  protected List<String> kinds() {
    return List.of(LoadRun.RESERVE);
  }

  @Override
  protected List<LoadRun.Window> windows() {
    return warmupAndMeasured(Map.of());
  }

  @Override
  protected JsonObject details() {
    return new JsonObject().put("pools", pools.size()).put("concurrencyPerUrl", settings.concurrency)
        .put("users", users())
        .put("note", "closed loop, " + settings.concurrency + " in flight per URL over " + pools.size() + " pool"
            + (pools.size() == 1 ? "" : "s"));
  }
}
