package io.tally.perf;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

/**
 * The delivery calendar the load scenarios run on: {@code regions} × {@code days} × {@value #SLOTS_PER_DAY}
 * two-hour slots starting tomorrow (UTC), one pool per region and slot, and the questions a storefront asks of it.
 *
 * <p>Pool ids are derived from the region and the slot ({@code sf-R07-20261203-14}), so defining the calendar again
 * on the same day against the same deployment changes nothing (an identical definition is accepted as it is) and a
 * recorded request log replays onto a fresh deployment. Capacity is {@value #CAPACITY} per pool, far above what any
 * scenario books, so every refusal during a run is a real error rather than a full slot; the hot pool is an
 * ordinary slot of the calendar (region {@code R01}, tomorrow 18:00) that every customer wants.
 *
 * <p>Before a run's clock starts, every target must show the whole calendar in its availability index, so the
 * first seconds do not measure an index that is still loading.
 */
final class StorefrontGrid {

  static final int SLOTS_PER_DAY = 12;
  static final int SLOT_HOURS = 2;
  static final int CAPACITY = 1_000_000;
  /** A storefront shows a week from the day the customer picks. */
  static final int WINDOW_DAYS = 7;
  private static final String PREFIX = "sf-";
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration SETUP_LIMIT = Duration.ofMinutes(5);
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd", Locale.ROOT);

  private final List<URI> urls;
  private final int regions;
  private final int days;
  private final LocalDate firstDay;

  StorefrontGrid(List<URI> urls, int regions, int days) {
    this(urls, regions, days, LocalDate.now(ZoneOffset.UTC).plusDays(1));
  }

  StorefrontGrid(List<URI> urls, int regions, int days, LocalDate firstDay) {
    this.urls = urls;
    this.regions = regions;
    this.days = days;
    this.firstDay = firstDay;
  }

  int pools() {
    return regions * days * SLOTS_PER_DAY;
  }

  static String region(int index) {
    return String.format(Locale.ROOT, "R%02d", index + 1);
  }

  String poolId(int region, int day, int slot) {
    return PREFIX + region(region) + "-" + firstDay.plusDays(day).format(DAY) + "-"
        + String.format(Locale.ROOT, "%02d", slot * SLOT_HOURS);
  }

  String hotPoolId() {
    return poolId(0, 0, 9);
  }

  String randomPoolId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return poolId(random.nextInt(regions), random.nextInt(days), random.nextInt(SLOTS_PER_DAY));
  }

  /**
   * A week from a random day of the whole calendar, for a random region, one unit: near the calendar's end the week
   * runs past its last day, so answers hold 48 to 84 slots, 66 on average over 14 days. These are the questions the
   * availability peak and fixed-rate scenarios ask, as the previous generator's availability phases did.
   */
  String anyDayQuestion() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    LocalDate from = firstDay.plusDays(random.nextInt(days));
    return question(region(random.nextInt(regions)), from, from.plusDays(WINDOW_DAYS));
  }

  /** Slots an {@link #anyDayQuestion()} answer holds on average. */
  double anyDaySlotsPerAnswer() {
    double sum = 0;
    for (int first = 0; first < days; first++) {
      sum += Math.min(WINDOW_DAYS, days - first) * SLOTS_PER_DAY;
    }
    return sum / days;
  }

  /** A week from a random day of the calendar's first half, for a random region, one unit. */
  String randomQuestion() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    LocalDate from = firstDay.plusDays(random.nextInt(days - WINDOW_DAYS + 1));
    return question(region(random.nextInt(regions)), from, from.plusDays(WINDOW_DAYS));
  }

  private static String question(String region, LocalDate from, LocalDate to) {
    return "{\"region\":\"" + region + "\",\"from\":\"" + from + "\",\"to\":\"" + to + "\",\"units\":1}";
  }

  /** The body of {@code POST /pools} for one slot of the calendar. */
  JsonObject definition(int region, int day, int slot) {
    Instant start = firstDay.plusDays(day).atStartOfDay(ZoneOffset.UTC).toInstant()
        .plus(Duration.ofHours((long) slot * SLOT_HOURS));
    return new JsonObject()
        .put("poolId", poolId(region, day, slot))
        .put("capacity", CAPACITY)
        .put("slot", new JsonObject().put("start", start.toString())
            .put("end", start.plus(Duration.ofHours(SLOT_HOURS)).toString()))
        .put("regions", new JsonArray().add(region(region)));
  }

  List<JsonObject> definitions() {
    List<JsonObject> all = new ArrayList<>(pools());
    for (int day = 0; day < days; day++) {
      for (int slot = 0; slot < SLOTS_PER_DAY; slot++) {
        for (int region = 0; region < regions; region++) {
          all.add(definition(region, day, slot));
        }
      }
    }
    return all;
  }

  /**
   * Defines every pool (through {@link Pools#define}), then waits until
   * every target's availability index shows every pool. Progress goes to standard output.
   */
  void setUp() {
    setUp((offsetMillis, pool) -> { });
  }

  /** {@link #setUp()}, telling {@code onSend} each definition as it is sent, with milliseconds since setup began. */
  void setUp(BiConsumer<Long, JsonObject> onSend) {
    long start = System.nanoTime();
    List<JsonObject> all = definitions();
    System.out.printf(Locale.ROOT, "storefront: defining %d pools (%d regions x %d days x %d slots) on %s%n",
        all.size(), regions, days, SLOTS_PER_DAY, urls);
    Pools.define(urls, all, onSend);
    System.out.printf(Locale.ROOT, "storefront: %d pools defined in %.1f s; waiting for every availability index%n",
        all.size(), (System.nanoTime() - start) / 1e9);
    awaitIndexes(start);
  }

  private void awaitIndexes(long start) {
    long deadline = System.nanoTime() + SETUP_LIMIT.toNanos();
    int expected = days * SLOTS_PER_DAY;
    for (URI url : urls) {
      for (int region = 0; region < regions; region++) {
        String body = question(region(region), firstDay, firstDay.plusDays(days));
        while (true) {
          int shown = slotsShown(url, body);
          if (shown == expected) {
            break;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the availability index of " + url + " shows " + shown + " of "
                + expected + " slots of region " + region(region) + " after " + SETUP_LIMIT.toMinutes() + " min");
          }
          pause();
        }
      }
    }
    System.out.printf(Locale.ROOT, "storefront: every index shows the calendar, %.1f s after setup began%n",
        (System.nanoTime() - start) / 1e9);
  }

  private static int slotsShown(URI url, String body) {
    String answer = Pools.answer(url.resolve("/availability"), body);
    if (answer == null) {
      return -1;
    }
    try {
      // Other pools may serve the region too; only the calendar's own count.
      return (int) new JsonObject(answer).getJsonArray("slots").stream()
          .filter(slot -> ((JsonObject) slot).getString("poolId").startsWith(PREFIX)).count();
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** The interval between polls of an index that is still loading. */
  private static void pause() {
    LockSupport.parkNanos(POLL.toNanos());
    if (Thread.interrupted()) {
      throw new IllegalStateException("interrupted while waiting for the availability indexes");
    }
  }
}
