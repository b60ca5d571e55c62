package io.tally.query;

import io.tally.contract.Addresses;
import io.tally.contract.Refusal;
import io.tally.contract.Reply;
import io.tally.contract.StoredForm;
import io.tally.contract.UnreadableEvent;
import io.tally.contract.Views;
import io.tally.journal.FeedEvent;
import io.tally.journal.FeedPosition;
import io.tally.journal.JournalReader;
import io.tally.journal.RecordedEvent;
import io.tally.pool.Ids;
import io.tally.pool.Pool;
import io.tally.pool.PoolDecider;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers what the journal alone can tell, on any node with the query role: a pool's history page by page, a
 * pool as it was at a past moment (its events up to then, replayed), and the event feed in commit-safe order.
 * Committed events never change, so any node may answer.
 */
public final class JournalReads extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(JournalReads.class);

  private final JournalReader journal;

  public JournalReads(JournalReader journal) {
    this.journal = journal;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().<JsonObject>consumer(Addresses.JOURNAL_READ, this::handle).completion();
  }

  private void handle(Message<JsonObject> message) {
    JsonObject query = message.body();
    Future<Reply> answer = switch (query.getString("kind", "")) {
      case "history" -> history(query);
      case "at" -> at(query);
      case "feed" -> feed(query);
      default -> Future.failedFuture(Refusal.invalid("invalid_request", "kind must be history, at or feed"));
    };
    answer.recover(failure -> Future.succeededFuture(Reply.refused(refusal(query, failure))))
        .onSuccess(message::reply);
  }

  private static Refusal refusal(JsonObject query, Throwable failure) {
    if (failure instanceof Refusal refusal) {
      return refusal;
    }
    if (failure instanceof UnreadableEvent unreadable) {
      log.error("Journal read {} refused: {}", query.getString("kind"), unreadable.getMessage());
      return Refusal.unreadable(unreadable);
    }
    log.warn("Journal read {} failed: {}", query.getString("kind"), failure.toString());
    return Refusal.unavailable("the journal could not be read; retry");
  }

  private Future<Reply> history(JsonObject query) {
    String poolId = query.getString("poolId");
    long after = query.getLong("after", 0L);
    int limit = query.getInteger("limit", 100);
    if (!Ids.isPoolId(poolId)) {
      return Future.failedFuture(Refusal.invalid("invalid_pool_id", Ids.POOL_ID_RULE));
    }
    return journal.read(poolId, after, limit + 1).compose(events -> {
      if (events.isEmpty() && after == 0) {
        return Future.failedFuture(notFound(poolId, ""));
      }
      boolean more = events.size() > limit;
      List<RecordedEvent> page = more ? events.subList(0, limit) : events;
      JsonArray items = new JsonArray();
      page.forEach(event -> items.add(toJson(event)));
      return Future.succeededFuture(Reply.ok(new JsonObject().put("poolId", poolId).put("events", items)
          .put("next", more ? page.getLast().seq() : null)));
    });
  }

  /** The pool as it was at {@code at}: every event recorded until then, replayed. */
  private Future<Reply> at(JsonObject query) {
    String poolId = query.getString("poolId");
    if (!Ids.isPoolId(poolId)) {
      return Future.failedFuture(Refusal.invalid("invalid_pool_id", Ids.POOL_ID_RULE));
    }
    OffsetDateTime at;
    try {
      at = OffsetDateTime.parse(query.getString("at", ""));
    } catch (DateTimeParseException e) {
      return Future.failedFuture(Refusal.invalid("invalid_at",
          "at must be an ISO-8601 date-time with an offset, such as 2026-12-01T10:00:00Z"));
    }
    return journal.readUntil(poolId, at).compose(events -> {
      if (events.isEmpty()) {
        return Future.failedFuture(notFound(poolId, " at that moment"));
      }
      Pool pool = PoolDecider.replay(null, events.stream().map(StoredForm::decode).toList());
      return Future.succeededFuture(Reply.ok(Views.pool(pool, events.getLast().seq())
          .put("at", at.toInstant().toString())));
    });
  }

  /** The feed after a checkpoint of a previous page; without one, from the start of the journal. */
  private Future<Reply> feed(JsonObject query) {
    String checkpoint = query.getString("after");
    FeedPosition after = checkpoint == null ? FeedPosition.START : FeedPosition.parse(checkpoint).orElse(null);
    if (after == null) {
      return Future.failedFuture(Refusal.invalid("invalid_after",
          "after must be a checkpoint from a previous page, such as 0:0"));
    }
    int limit = query.getInteger("limit", 100);
    return journal.feed(after, limit).map(events -> {
      JsonArray items = new JsonArray();
      for (FeedEvent event : events) {
        items.add(toJson(event.event()).put("streamId", event.event().streamId())
            .put("position", event.position().toString()));
      }
      String next = events.isEmpty() ? after.toString() : events.getLast().position().toString();
      return Reply.ok(new JsonObject().put("events", items).put("next", next));
    });
  }

  private static JsonObject toJson(RecordedEvent event) {
    return Views.event(event.seq(), event.type(), event.payload(), event.recordedAt());
  }

  private static Refusal notFound(String poolId, String when) {
    return Refusal.notFound("pool_not_found", "pool '" + poolId + "' does not exist" + when);
  }
}
