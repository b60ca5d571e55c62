package io.tally.perf;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.OpenInjectionStep;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reservations at a fixed arrival rate: {@code -Drate} per second (required; {@code perf/bench.sh} passes half the
 * peak), evenly spaced, each in a random pool of {@code -Dpools} (default 1,000), for {@code -Dwarmup} seconds at
 * the same rate and then {@code -Dseconds} measured. Arrivals do not wait for answers (the open model), so a stall
 * anywhere shows up as latency instead of lowering the load.
 *
 * <p>With actions ({@code -Dkill.command} and the others, see {@link LoadSettings}) this is the cluster timeline
 * of {@code perf/cluster.sh}: the run is reported in windows between the actions, and for each action how long it
 * took, the failed requests after it and the slowest request during it and the two seconds after.
 */
public class Fixed extends StorefrontSimulation {

  private final List<String> pools;
  private final double rate;

  public Fixed() {
    super("fixed");
    this.rate = settings.requiredRate();
    this.pools = Pools.ids("fx-" + runId + "-", settings.pools);
    List<OpenInjectionStep> steps = new ArrayList<>();
    if (!settings.warmup.isZero()) {
      steps.add(constantUsersPerSec(rate).during(settings.warmup));
    }
    steps.add(constantUsersPerSec(rate).during(settings.duration));
    setUp(scenario("reserve (fixed rate)")
        .exec(exec(stopIfBroken()).exec(reserve(n -> pools.get(ThreadLocalRandom.current().nextInt(pools.size())))))
        .injectOpen(steps))
        .protocols(protocol());
  }

  @Override
  protected String describe() {
    return String.format(Locale.ROOT, "%s: %s, %.1f reservations/s over %d pools, %d s warm-up, %d s measured%s",
        settings.scenario, settings.urls, rate, pools.size(), settings.warmup.toSeconds(),
        settings.duration.toSeconds(), settings.actions.isEmpty() ? "" : ", actions " + settings.actions.stream()
            .map(action -> action.name() + " at " + action.at().toSeconds() + " s").toList());
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
    Map<String, Double> targets = Map.of(LoadRun.RESERVE, rate);
    return settings.actions.isEmpty() ? warmupAndMeasured(targets) : actionWindows(targets);
  }

  @Override
  protected JsonObject details() {
    return new JsonObject().put("pools", pools.size()).put("rate", rate)
        .put("note", String.format(Locale.ROOT, "fixed rate, %.0f reservations/s", rate));
  }
}
