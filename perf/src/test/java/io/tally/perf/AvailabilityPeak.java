package io.tally.perf;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Peak availability questions per second: a closed loop of {@code -Dconcurrency} users per URL (default 64), each
 * asking {@code POST /availability} for a week from a random day of the storefront calendar
 * ({@link StorefrontGrid#anyDayQuestion()}) as soon as its previous question was answered; {@code -Dwarmup}
 * seconds, then {@code -Dseconds} measured. The calendar is defined first, and the clock starts once every
 * target's index shows it.
 */
public class AvailabilityPeak extends StorefrontSimulation {

  public AvailabilityPeak() {
    super("availability-peak");
    setUp(scenario("availability (closed loop)")
        .during(settings.warmup.plus(settings.duration), false).on(
            exec(stopIfBroken()).exec(question(grid::anyDayQuestion)))
        .injectOpen(atOnceUsers(settings.concurrency * settings.urls.size())))
        .protocols(closedProtocol());
  }

  @Override
  protected String describe() {
    return String.format(Locale.ROOT, "%s: %s, closed loop of %d questions in flight per URL over %d pools, %d s"
        + " warm-up, %d s measured", settings.scenario, settings.urls, settings.concurrency, grid.pools(),
        settings.warmup.toSeconds(), settings.duration.toSeconds());
  }

  @Override
  protected List<String> kinds() {
    return List.of(LoadRun.AVAILABILITY);
  }

  @Override
  protected List<LoadRun.Window> windows() {
    return warmupAndMeasured(Map.of());
  }

  @Override
  protected JsonObject details() {
    return new JsonObject().put("pools", grid.pools()).put("concurrencyPerUrl", settings.concurrency)
        .put("slotsPerAnswer", grid.anyDaySlotsPerAnswer())
        .put("note", "closed loop, " + settings.concurrency + " in flight per URL");
  }
}
