package io.tally.query;

import io.tally.Addresses;
import io.tally.journal.FeedEvent;
import io.tally.journal.FeedPosition;
import io.tally.journal.Journal;
import io.tally.journal.RecordedEvent;
import io.tally.pool.Ids;
import io.tally.pool.Pool;
import io.tally.pool.PoolDecider;
import io.tally.shard.StoredForm;
import io.tally.shard.Views;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Answers what the journal alone can tell, on any node with the query role: a pool's history page by page, a
 * pool as it was at a past moment (its events up to then, replayed), and the event feed in commit-safe order.
 * Committed events never change, so any node may answer.
 */
public final class JournalReads extends VerticleBase {

  private final Journal journal;

  public JournalReads(Journal journal) {
    this.journal = journal;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().<JsonObject>consumer(Addresses.JOURNAL_READ, this::handle).completion();
  }

  private void handle(Message<JsonObject> message) {
    JsonObject query = message.body();
    Future<JsonObject> answer = switch (query.getString("kind", "")) {
      case "history" -> history(query);
      case "at" -> at(query);
      case "feed" -> feed(query);
      default -> Future.failedFuture(new Refusal(400, "invalid_request"));
    };
    answer.onComplete(result -> {
      if (result.succeeded()) {
        message.reply(result.result());
      } else if (result.cause() instanceof Refusal refusal) {
        message.fail(refusal.status, refusal.getMessage());
      } else {
        message.fail(503, "unavailable");
      }
    });
  }

  private Future<JsonObject> history(JsonObject query) {
    String poolId = query.getString("poolId");
    long after = query.getLong("after", 0L);
    int limit = query.getInteger("limit", 100);
    if (!Ids.isPoolId(poolId)) {
      return Future.failedFuture(new Refusal(400, "invalid_pool_id"));
    }
    return journal.read(poolId, after, limit + 1).compose(events -> {
      if (events.isEmpty() && after == 0) {
        return Future.failedFuture(new Refusal(404, "pool_not_found"));
      }
      boolean more = events.size() > limit;
      List<RecordedEvent> page = more ? events.subList(0, limit) : events;
      JsonArray items = new JsonArray();
      page.forEach(event -> items.add(toJson(event)));
      return Future.succeededFuture(new JsonObject().put("poolId", poolId).put("events", items)
          .put("next", more ? page.getLast().seq() : null));
    });
  }

  /** The pool as it was at {@code at}: every event recorded until then, replayed. */
  private Future<JsonObject> at(JsonObject query) {
    String poolId = query.getString("poolId");
    if (!Ids.isPoolId(poolId)) {
      return Future.failedFuture(new Refusal(400, "invalid_pool_id"));
    }
    OffsetDateTime at;
    try {
      at = OffsetDateTime.parse(query.getString("at", ""));
    } catch (DateTimeParseException e) {
      return Future.failedFuture(new Refusal(400, "invalid_at"));
    }
    return journal.readUntil(poolId, at).compose(events -> {
      if (events.isEmpty()) {
        return Future.failedFuture(new Refusal(404, "pool_not_found"));
      }
      Pool pool = PoolDecider.replay(null, events.stream().map(StoredForm::decode).toList());
      return Future.succeededFuture(Views.pool(pool, events.getLast().seq())
          .put("at", at.toInstant().toString()));
    });
  }

  private Future<JsonObject> feed(JsonObject query) {
    FeedPosition after = FeedPosition.parse(query.getString("after")).orElse(null);
    if (after == null) {
      return Future.failedFuture(new Refusal(400, "invalid_after"));
    }
    int limit = query.getInteger("limit", 100);
    return journal.feed(after, limit).map(events -> {
      JsonArray items = new JsonArray();
      for (FeedEvent event : events) {
        items.add(toJson(event.event()).put("streamId", event.event().streamId())
            .put("position", event.position().toString()));
      }
      String next = events.isEmpty() ? after.toString() : events.getLast().position().toString();
      return new JsonObject().put("events", items).put("next", next);
    });
  }

  private static JsonObject toJson(RecordedEvent event) {
    return new JsonObject()
        .put("seq", event.seq())
        .put("type", event.type())
        .put("payload", new JsonObject(event.payload()))
        .put("recordedAt", event.recordedAt().toInstant().toString());
  }

  /** A query the journal cannot answer: its HTTP status and error code. */
  private static final class Refusal extends RuntimeException {
    private final int status;

    Refusal(int status, String code) {
      super(code, null, false, false);
      this.status = status;
    }
  }
}
