package io.tally.perf;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * The storefront mix with checkouts as storefronts really do them ({@link #checkoutWithHold}): each checkout holds
 * a slot for {@code -Dhold.ttl} seconds (20), the customer pays for {@code -Dhold.payMs} (2,000), and every
 * {@code -Dhold.abandonEvery}th (5th) abandons the cart, whose hold then expires by itself while the run goes on.
 * At {@code -Dmultiple} × 1×: the checkouts arrive at the rate of 1×'s reservations. The audit at the end checks
 * holds with reservations, and every confirmation acknowledged is in the journal as the reservation it became.
 */
public class Checkout extends StorefrontSimulation {

  private final int ttlSeconds = Integer.getInteger("hold.ttl", 20);
  private final Duration pay = Duration.ofMillis(Long.getLong("hold.payMs", 2_000));
  private final int abandonEvery = Integer.getInteger("hold.abandonEvery", 5);

  public Checkout() {
    super("checkout");
    double availability = settings.availabilityRate(settings.multiple);
    double checkouts = settings.checkoutRate(settings.multiple);
    setUp(
        availability().injectOpen(
            rampUsersPerSec(availability / 10).to(availability).during(settings.warmup),
            constantUsersPerSec(availability).during(settings.duration)),
        checkoutWithHold(ttlSeconds, pay, abandonEvery).injectOpen(
            rampUsersPerSec(checkouts / 10).to(checkouts).during(settings.warmup),
            constantUsersPerSec(checkouts).during(settings.duration)))
        .protocols(protocol());
  }

  @Override
  protected String describe() {
    return super.describe() + "\ncheckouts hold for " + ttlSeconds + " s, pay for " + pay.toMillis()
        + " ms, every " + abandonEvery + "th abandons its cart (its hold expires)";
  }

  @Override
  protected List<String> kinds() {
    return List.of(LoadRun.AVAILABILITY, LoadRun.HOLD, LoadRun.CONFIRM, LoadRun.RELEASE);
  }

  @Override
  protected JsonObject details() {
    return super.details().put("holdTtlSeconds", ttlSeconds).put("payMs", pay.toMillis())
        .put("abandonEvery", abandonEvery);
  }

  @Override
  protected List<LoadRun.Window> windows() {
    return List.of(
        new LoadRun.Window("warm-up", Duration.ZERO, settings.warmup, settings.multiple),
        new LoadRun.Window("measured", settings.warmup, settings.warmup.plus(settings.duration), settings.multiple));
  }
}
