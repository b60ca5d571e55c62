package io.tally.perf;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.OpenInjectionStep;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Availability questions at a fixed arrival rate, {@code -Drate} per second (required; {@code perf/bench.sh}
 * passes half the availability peak), evenly spaced, the same questions as {@link AvailabilityPeak}: {@code
 * -Dwarmup} seconds at that rate, then {@code -Dseconds} measured.
 */
public class AvailabilityFixed extends StorefrontSimulation {

  private final double rate;

  public AvailabilityFixed() {
    super("availability-fixed");
    this.rate = settings.requiredRate();
    List<OpenInjectionStep> steps = new ArrayList<>();
    if (!settings.warmup.isZero()) {
      steps.add(constantUsersPerSec(rate).during(settings.warmup));
    }
    steps.add(constantUsersPerSec(rate).during(settings.duration));
    setUp(scenario("availability (fixed rate)").exec(stopIfBroken()).exec(question(grid::anyDayQuestion))
        .injectOpen(steps))
        .protocols(protocol());
  }

  @Override
  protected String describe() {
    return String.format(Locale.ROOT, "%s: %s, %.1f questions/s over %d pools, %d s warm-up, %d s measured",
        settings.scenario, settings.urls, rate, grid.pools(), settings.warmup.toSeconds(),
        settings.duration.toSeconds());
  }

  @Override
  protected List<String> kinds() {
    return List.of(LoadRun.AVAILABILITY);
  }

  @Override
  protected List<LoadRun.Window> windows() {
    return warmupAndMeasured(Map.of(LoadRun.AVAILABILITY, rate));
  }

  @Override
  protected JsonObject details() {
    return new JsonObject().put("pools", grid.pools()).put("rate", rate)
        .put("slotsPerAnswer", grid.anyDaySlotsPerAnswer())
        .put("note", String.format(Locale.ROOT, "fixed rate, %.0f questions/s", rate));
  }
}
