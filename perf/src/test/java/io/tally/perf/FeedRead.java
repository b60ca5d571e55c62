package io.tally.perf;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One reader following the event feed from the beginning ({@code GET /events?after=0:0}) in pages of
 * {@value #PAGE}, each page asked for when the previous one has been parsed, until the feed ends or
 * {@code -Dfeed.seconds} (default three times {@code -Dseconds}) have passed. A warm-up read of {@code -Dwarmup}
 * seconds from the beginning comes first, unrecorded in the result. The journal is whatever the deployment holds:
 * {@code perf/bench.sh} runs this after its write scenarios. Every page is checked the way a consumer relies on it
 * ({@link FeedPages}); events out of order fail the run.
 */
public class FeedRead extends StorefrontSimulation {

  static final int PAGE = 1000;
  private static final Duration RETRY_PAUSE = Duration.ofMillis(50);

  private final FeedPages measured = new FeedPages();
  private volatile long readNanos;

  public FeedRead() {
    super("feed");
    setUp(scenario("feed reader")
        .exec(settings.warmup.isZero() ? exec(session -> session) : read(new FeedPages(), settings.warmup, false))
        .pause(session -> Duration.ofMillis(Math.max(0, settings.warmup.toMillis() - run.elapsedMillis())))
        .exec(read(measured, settings.feedLimit, true))
        .injectOpen(atOnceUsers(1)))
        .protocols(closedProtocol());
  }

  /** Reads from {@code 0:0} into {@code pages} until the feed ends or {@code limit} has passed. */
  private ChainBuilder read(FeedPages pages, Duration limit, boolean timedRead) {
    return exec(session -> session.set("until", System.nanoTime() + limit.toNanos()).set("began", System.nanoTime())
        .set("more", true))
        .asLongAs(session -> session.getBoolean("more")).on(
            exec(session -> session.set("after", pages.after()).set("pin", 0))
                .exec(timed(LoadRun.FEED, asAdmin(http("feed page").get("#{base}/events?after=#{after}&limit=" + PAGE)
                    .check(status().saveAs("status"), status().is(200), bodyString().saveAs("page"))),
                    (session, ok) -> { }))
                .exec(session -> {
                  boolean more = System.nanoTime() < session.getLong("until");
                  if (!session.getBoolean("ok")) {
                    return session.set("more", more).set("pause", RETRY_PAUSE);
                  }
                  FeedPages.Page page = pages.accept(session.getString("page"));
                  return session.remove("page").set("more", more && !page.end()).set("pause", Duration.ZERO);
                })
                .pause(session -> session.<Duration>get("pause")))
        .exec(session -> {
          if (timedRead) {
            readNanos = System.nanoTime() - session.getLong("began");
          }
          return session;
        });
  }

  @Override
  protected String describe() {
    return String.format(Locale.ROOT, "%s: %s, one reader, GET /events from 0:0 in pages of %d; %d s warm-up,"
        + " then until the end of the feed or %d s", settings.scenario, settings.urls.getFirst(), PAGE,
        settings.warmup.toSeconds(), settings.feedLimit.toSeconds());
  }

  @Override
  protected void prepare() {
    // reads what the deployment's journal holds
  }

  @Override
  protected List<String> kinds() {
    return List.of(LoadRun.FEED);
  }

  @Override
  protected List<LoadRun.Window> windows() {
    return List.of(new LoadRun.Window("read", settings.warmup, settings.warmup.plus(settings.feedLimit), 1,
        Map.of()));
  }

  @Override
  protected JsonObject details() {
    JsonObject read = measured.toJson(readNanos / 1e9).put("pageSize", PAGE);
    return read.put("note", String.format(Locale.ROOT, "%,d events/s, %.1f pages/s, %.1f MB/s%s",
        read.getLong("eventsPerSecond"), read.getDouble("pagesPerSecond"), read.getDouble("megabytesPerSecond"),
        measured.reachedEnd() ? "" : ", stopped before the end of the feed"));
  }

  @Override
  public void after() {
    super.after();
    if (measured.outOfOrder() > 0) {
      throw new IllegalStateException("the feed delivered " + measured.outOfOrder() + " events out of order");
    }
  }
}
