package io.tally.perf;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;

import io.gatling.javaapi.core.OpenInjectionStep;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;

/**
 * The storefront mix in rising levels until it breaks: {@code -Dfrom} times 1× (default 4), then {@code -Dstep}
 * more (default 2) per level, each held {@code -DlevelSeconds} (30) after a ramp of {@code -DrampSeconds} (5), up
 * to {@code -Dlevels} (14). A level breaks when any kind of request has p99 above {@code -DbreakP99Ms} (200) or
 * more than {@code -DbreakErrorPercent} (0.1) errors; the run then stops and reports the last level that held.
 */
public class Ramp extends StorefrontSimulation {

  public Ramp() {
    this("ramp", false);
  }

  protected Ramp(String scenario, boolean hot) {
    super(scenario);
    setUp(
        availability().injectOpen(stairs(settings::availabilityRate)),
        checkout(hot).injectOpen(stairs(settings::checkoutRate)))
        .protocols(protocol());
  }

  /**
   * A warm-up that ramps from a tenth of the first level up to it over {@code -Dwarmup} seconds (cold JVMs, the
   * generator's as much as the service's, would otherwise fail the first level on compilation alone), then each
   * level followed by a ramp to the next: the same timetable {@link LoadSettings#levelStart} reports the levels by.
   */
  private List<OpenInjectionStep> stairs(DoubleUnaryOperator rateAt) {
    List<OpenInjectionStep> steps = new ArrayList<>();
    double first = rateAt.applyAsDouble(settings.levelMultiple(0));
    steps.add(rampUsersPerSec(first / 10).to(first).during(settings.warmup));
    for (int i = 0; i < settings.levels; i++) {
      double rate = rateAt.applyAsDouble(settings.levelMultiple(i));
      steps.add(constantUsersPerSec(rate).during(settings.level));
      if (i + 1 < settings.levels) {
        steps.add(rampUsersPerSec(rate).to(rateAt.applyAsDouble(settings.levelMultiple(i + 1)))
            .during(settings.rampBetween));
      }
    }
    return steps;
  }

  @Override
  protected List<LoadRun.Window> windows() {
    List<LoadRun.Window> levels = new ArrayList<>();
    for (int i = 0; i < settings.levels; i++) {
      double multiple = settings.levelMultiple(i);
      levels.add(new LoadRun.Window("level " + LoadRun.round(multiple) + "x", settings.levelStart(i),
          settings.levelStart(i).plus(settings.level), multiple));
    }
    return levels;
  }
}
