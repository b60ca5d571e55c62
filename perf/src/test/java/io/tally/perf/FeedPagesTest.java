package io.tally.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class FeedPagesTest {

  private static String page(String next, String... positions) {
    JsonArray events = new JsonArray();
    for (String position : positions) {
      events.add(new JsonObject().put("type", "capacity.reserved.v1").put("position", position));
    }
    return new JsonObject().put("events", events).put("next", next).encode();
  }

  @Test
  void aReadFollowsNextUntilAnEmptyPage() {
    FeedPages pages = new FeedPages();

    FeedPages.Page first = pages.accept(page("7:2", "7:1", "7:2"));
    assertFalse(first.end());
    assertEquals("7:2", pages.after());
    pages.accept(page("9:1", "9:1"));
    FeedPages.Page last = pages.accept(page("9:1"));

    assertTrue(last.end());
    assertTrue(pages.reachedEnd());
    assertEquals(3, pages.events());
    assertEquals(0, pages.outOfOrder());
    JsonObject json = pages.toJson(0.5);
    assertEquals(6.0, json.getDouble("pagesPerSecond"));
    assertEquals(6.0, json.getDouble("eventsPerSecond"));
    assertEquals(3, json.getJsonObject("eventTypes").getLong("capacity.reserved.v1"));
  }

  @Test
  void positionsThatGoBackOrANextThatIsNotTheLastEventAreOutOfOrder() {
    FeedPages pages = new FeedPages();

    pages.accept(page("7:3", "7:3", "7:2"));
    pages.accept(page("8:1", "8:1"));

    assertEquals(2, pages.outOfOrder());
  }

  @Test
  void transactionIdsCompareUnsigned() {
    assertTrue(FeedPages.Key.parse("18446744073709551615:1").get()
        .compareTo(FeedPages.Key.parse("1:1").get()) > 0);
    assertTrue(FeedPages.Key.parse("nonsense").isEmpty());
  }

  @Test
  void anUnreadablePageChangesNothing() {
    FeedPages pages = new FeedPages();

    assertThrows(IllegalArgumentException.class, () -> pages.accept("<html>"));
    assertEquals("0:0", pages.after());
    assertEquals(0, pages.toJson(1).getLong("pages"));
  }
}
