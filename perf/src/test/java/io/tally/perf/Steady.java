package io.tally.perf;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;

import java.time.Duration;
import java.util.List;

/**
 * The storefront mix at a constant multiple of 1× ({@code -Dmultiple}, default 1) for {@code -Dseconds}, after a
 * warm-up of {@code -Dwarmup} seconds that ramps from a tenth of the rate up to it and is reported apart (a cold
 * JVM, the generator's as much as the service's, would otherwise spend the first seconds compiling and measure
 * that). Arrivals are evenly spaced: Gatling computes a randomized step's arrival times when the step starts, which
 * for ten minutes at 10× stalled the generator for most of a second, right where the measured window begins.
 */
public class Steady extends StorefrontSimulation {

  public Steady() {
    this("steady", false);
  }

  protected Steady(String scenario, boolean hot) {
    super(scenario);
    double availability = settings.availabilityRate(settings.multiple);
    double checkouts = settings.checkoutRate(settings.multiple);
    setUp(
        availability().injectOpen(
            rampUsersPerSec(availability / 10).to(availability).during(settings.warmup),
            constantUsersPerSec(availability).during(settings.duration)),
        checkout(hot).injectOpen(
            rampUsersPerSec(checkouts / 10).to(checkouts).during(settings.warmup),
            constantUsersPerSec(checkouts).during(settings.duration)))
        .protocols(protocol());
  }

  @Override
  protected List<LoadRun.Window> windows() {
    return List.of(
        new LoadRun.Window("warm-up", Duration.ZERO, settings.warmup, settings.multiple),
        new LoadRun.Window("measured", settings.warmup, settings.warmup.plus(settings.duration), settings.multiple));
  }
}
