package io.tally.query;

import io.tally.Addresses;
import io.tally.journal.Journal;
import io.tally.journal.RecordedEvent;
import io.tally.pool.Ids;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Serves a pool's history, oldest first and paged by {@code seq}, straight from the journal. Any node with the
 * query role can answer, since committed events never change.
 */
public final class HistoryVerticle extends VerticleBase {

  private final Journal journal;

  public HistoryVerticle(Journal journal) {
    this.journal = journal;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().<JsonObject>consumer(Addresses.POOL_HISTORY, this::handle).completion();
  }

  private void handle(Message<JsonObject> message) {
    JsonObject query = message.body();
    String poolId = query.getString("poolId");
    long after = query.getLong("after", 0L);
    int limit = query.getInteger("limit", 100);
    if (!Ids.isPoolId(poolId)) {
      message.fail(400, "invalid_pool_id");
      return;
    }
    journal.read(poolId, after, limit + 1).onComplete(result -> {
      if (result.failed()) {
        message.fail(503, "unavailable");
        return;
      }
      List<RecordedEvent> events = result.result();
      if (events.isEmpty() && after == 0) {
        message.fail(404, "pool_not_found");
        return;
      }
      boolean more = events.size() > limit;
      List<RecordedEvent> page = more ? events.subList(0, limit) : events;
      JsonArray items = new JsonArray();
      page.forEach(event -> items.add(new JsonObject()
          .put("seq", event.seq())
          .put("type", event.type())
          .put("payload", new JsonObject(event.payload()))
          .put("recordedAt", event.recordedAt().toInstant().toString())));
      message.reply(new JsonObject()
          .put("poolId", poolId)
          .put("events", items)
          .put("next", more ? page.getLast().seq() : null));
    });
  }
}
