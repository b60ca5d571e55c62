package io.tally.perf;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What one reader of the event feed ({@code GET /events?after=…&limit=…}) got through, page by page.
 *
 * <p>A new subscriber (a sibling service, a projection being rebuilt) starts at {@code 0:0} and reads the whole
 * journal before it is current, so how fast one reader gets through it bounds how long that takes. Every page is
 * parsed as a consumer would and checked for what a consumer relies on: positions strictly increase across pages,
 * and {@code next} is the last event's position. One instance follows one read; it is not thread-safe (one Gatling
 * user reads).
 */
final class FeedPages {

  /** What one page said: how many events, where the next page starts, and whether the feed has ended. */
  record Page(int events, String next, boolean end) {
  }

  private String after = "0:0";
  private Key last;
  private long events;
  private long pages;
  private long bytes;
  private long outOfOrder;
  private boolean reachedEnd;
  private final Map<String, Long> types = new TreeMap<>();

  /** The position the next page is asked from. */
  String after() {
    return after;
  }

  boolean reachedEnd() {
    return reachedEnd;
  }

  /** Takes in one page's body; an unreadable body is an IllegalArgumentException and changes nothing. */
  Page accept(String body) {
    JsonObject page;
    try {
      page = new JsonObject(body);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("a feed page that is not a JSON object", e);
    }
    JsonArray items = page.getJsonArray("events", new JsonArray());
    String next = page.getString("next");
    pages++;
    bytes += body.length();
    for (Object item : items) {
      JsonObject event = (JsonObject) item;
      types.merge(event.getString("type", "?"), 1L, Long::sum);
      Optional<Key> key = Key.parse(event.getString("position"));
      if (key.isEmpty() || last != null && key.get().compareTo(last) <= 0) {
        outOfOrder++;
      }
      last = key.orElse(last);
    }
    events += items.size();
    if (!items.isEmpty() && !items.getJsonObject(items.size() - 1).getString("position", "").equals(next)) {
      outOfOrder++;
    }
    boolean end = items.isEmpty() || next == null || next.equals(after);
    if (end) {
      reachedEnd = true;
    } else {
      after = next;
    }
    return new Page(items.size(), next, end);
  }

  /** The read's figures over {@code seconds} of reading. */
  JsonObject toJson(double seconds) {
    JsonObject typeJson = new JsonObject();
    types.forEach(typeJson::put);
    return new JsonObject()
        .put("events", events)
        .put("pages", pages)
        .put("bytes", bytes)
        .put("seconds", round(seconds, 3))
        .put("eventsPerSecond", round(events / seconds, 0))
        .put("pagesPerSecond", round(pages / seconds, 1))
        .put("megabytesPerSecond", round(bytes / 1e6 / seconds, 1))
        .put("reachedEnd", reachedEnd)
        .put("outOfOrder", outOfOrder)
        .put("lastCheckpoint", after)
        .put("eventTypes", typeJson);
  }

  long events() {
    return events;
  }

  long outOfOrder() {
    return outOfOrder;
  }

  private static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return finite(value) ? Math.round(value * scale) / scale : 0;
  }

  private static boolean finite(double value) {
    return !Double.isNaN(value) && !Double.isInfinite(value);
  }

  /** A feed position, {@code <tx>:<position>}, ordered as the service orders its feed. */
  record Key(long tx, long position) implements Comparable<Key> {
    static Optional<Key> parse(String text) {
      if (text == null) {
        return Optional.empty();
      }
      int colon = text.indexOf(':');
      try {
        return Optional.of(new Key(Long.parseUnsignedLong(text.substring(0, colon)),
            Long.parseLong(text.substring(colon + 1))));
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    }

    @Override
    public int compareTo(Key other) {
      int byTx = Long.compareUnsigned(tx, other.tx);
      return byTx != 0 ? byTx : Long.compare(position, other.position);
    }
  }
}
