package io.tally.perf;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One consumer reading the event feed ({@code GET /events}) from the beginning, a page of {@value #PAGE} events at
 * a time, as fast as it can.
 *
 * <p>A new subscriber (a sibling service, a projection being rebuilt) starts at {@code 0:0} and has to catch up on
 * the whole journal before it is current, so how fast one reader gets through the feed bounds how long that takes.
 * A page's checkpoint is only known from the previous page, so a single reader is sequential by nature: the rate is
 * one page's round trip (query, encoding, transfer and the reader's parsing) at a time. The reader parses every page
 * as a consumer would and checks what it relies on: positions strictly increase across pages and {@code next} is
 * the last event's position. Pages are timed from request to parsed answer.
 */
final class FeedRead {

  static final int PAGE = 1000;
  private static final long RETRY_PAUSE_MILLIS = 50;

  /** How far one read got. */
  record Progress(long events, long pages, long bytes, long errors, boolean reachedEnd, long outOfOrder,
      String lastCheckpoint, Map<String, Long> types, Stats stats) {
  }

  private final Vertx vertx;
  private final Context context;
  private final TallyApi api;
  private final Target target;

  FeedRead(Vertx vertx, Context context, TallyApi api, Target target) {
    this.vertx = vertx;
    this.context = context;
    this.api = api;
    this.target = target;
  }

  /** Reads from {@code 0:0} until the feed has nothing more or {@code limit} has passed; blocks until then. */
  Progress read(Duration limit) {
    return EventLoops.await(EventLoops.on(context, () -> new Reader(System.nanoTime() + limit.toNanos()).start()),
        limit.plusSeconds(60));
  }

  /** The read in progress; every method runs on the reader's context. */
  private final class Reader {
    private final long deadline;
    private final Promise<Progress> done = Promise.promise();
    private final Stats stats = new Stats();
    private final Map<String, Long> types = new TreeMap<>();
    private String after = "0:0";
    private FeedKey last;
    private long events;
    private long pages;
    private long bytes;
    private long errors;
    private long outOfOrder;

    Reader(long deadline) {
      this.deadline = deadline;
    }

    Future<Progress> start() {
      next();
      return done.future();
    }

    private void next() {
      if (System.nanoTime() >= deadline) {
        finish(false);
        return;
      }
      long sent = System.nanoTime();
      api.send(HttpMethod.GET, target, "/events?after=" + after + "&limit=" + PAGE, null).onComplete(result -> {
        if (result.failed()) {
          failed(Outcome.of(result.cause()));
          return;
        }
        TallyApi.Reply reply = result.result();
        if (reply.status() != 200) {
          failed(TallyApi.outcome(reply, 200));
          return;
        }
        JsonObject page;
        try {
          page = new JsonObject(reply.body());
        } catch (RuntimeException e) {
          failed("200 without a JSON object");
          return;
        }
        stats.latency(System.nanoTime() - sent);
        pages++;
        bytes += reply.body().length();
        JsonArray items = page.getJsonArray("events", new JsonArray());
        String next = page.getString("next");
        for (Object item : items) {
          JsonObject event = (JsonObject) item;
          types.merge(event.getString("type", "?"), 1L, Long::sum);
          Optional<FeedKey> key = FeedKey.parse(event.getString("position"));
          if (key.isEmpty() || last != null && key.get().compareTo(last) <= 0) {
            outOfOrder++;
          }
          last = key.orElse(last);
        }
        events += items.size();
        stats.ok += items.size();
        if (!items.isEmpty() && !items.getJsonObject(items.size() - 1).getString("position", "").equals(next)) {
          outOfOrder++;
        }
        if (items.isEmpty() || next == null || next.equals(after)) {
          finish(true);
          return;
        }
        after = next;
        next();
      });
    }

    private void failed(String outcome) {
      errors++;
      stats.error(outcome);
      vertx.setTimer(RETRY_PAUSE_MILLIS, id -> next());
    }

    private void finish(boolean reachedEnd) {
      done.tryComplete(new Progress(events, pages, bytes, errors, reachedEnd, outOfOrder, after, Map.copyOf(types),
          stats));
    }
  }

  /** A feed position, {@code <tx>:<position>}, ordered as the service orders its feed. */
  record FeedKey(long tx, long position) implements Comparable<FeedKey> {
    static Optional<FeedKey> parse(String text) {
      if (text == null) {
        return Optional.empty();
      }
      int colon = text.indexOf(':');
      try {
        return Optional.of(new FeedKey(Long.parseUnsignedLong(text.substring(0, colon)),
            Long.parseLong(text.substring(colon + 1))));
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    }

    @Override
    public int compareTo(FeedKey other) {
      int byTx = Long.compareUnsigned(tx, other.tx);
      return byTx != 0 ? byTx : Long.compare(position, other.position);
    }
  }
}
