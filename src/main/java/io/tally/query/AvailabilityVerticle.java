package io.tally.query;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tally.config.QueryConfig;
import io.tally.contract.Addresses;
import io.tally.contract.AvailabilityRequest;
import io.tally.contract.Refusal;
import io.tally.contract.Reply;
import io.tally.query.AvailabilityIndex.Slot;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The availability index of one node: loaded from {@code pool_view} at start, then kept current by the
 * {@code PoolChanged} publications of every shard in the cluster, and repaired every {@code query.catchUpMs} by
 * re-reading the pools changed since its last read. Availability questions are answered from memory, on the node
 * that receives them; after every change it tells this node's WebSocket clients.
 *
 * <p>The catch-up misses nothing: it reads the rows written by every transaction at or above the oldest one that
 * was still running at the previous read, and a transaction that commits later always has an id at least that
 * high. Older or repeated changes are ignored by {@code seq}.
 */
public final class AvailabilityVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(AvailabilityVerticle.class);

  private static final String HORIZON = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon";
  private static final String CHANGED_SINCE = """
      SELECT pool_id, seq, capacity, reserved, held, status, slot_start, slot_end, regions, cutoff
        FROM pool_view
       WHERE tx_id >= $1::text::xid8""";

  private static final byte[] SLOTS_OPEN = "{\"slots\":[".getBytes(StandardCharsets.UTF_8);
  private static final byte[] SLOTS_CLOSE = "]}".getBytes(StandardCharsets.UTF_8);
  private static final byte[] TRUE_CLOSE = "true}".getBytes(StandardCharsets.UTF_8);
  private static final byte[] FALSE_CLOSE = "false}".getBytes(StandardCharsets.UTF_8);

  private final io.vertx.sqlclient.Pool sql;
  private final QueryConfig config;
  private final Clock clock;
  private final AvailabilityIndex index = new AvailabilityIndex();
  private final AtomicInteger indexed = new AtomicInteger();
  private final Timer changeLag;
  private final DeliveryOptions local = new DeliveryOptions().setLocalOnly(true);
  private String horizon = "0";
  /** Slots with cut-offs up to this moment were told to this node's WebSockets as no longer offered. */
  private Instant cutOffUpTo;
  private long catchUpTimer;
  private boolean catchingUp;
  private boolean catchUpAgain;

  /**
   * @param clock the node's one clock: a slot is no longer offered from its pool's cut-off on
   * @param registry where the index's meters are kept
   */
  public AvailabilityVerticle(io.vertx.sqlclient.Pool sql, QueryConfig config, Clock clock, MeterRegistry registry) {
    this.sql = sql;
    this.config = config;
    this.clock = clock;
    Gauge.builder("tally.availability.pools", indexed, AtomicInteger::get)
        .description("Pools in this node's availability index").register(registry);
    changeLag = Timer.builder("tally.availability.change.lag")
        .description("From a pool's commit on its owner to the change in this node's availability index")
        .register(registry);
  }

  @Override
  public Future<?> start() {
    cutOffUpTo = clock.instant();
    return catchUp().compose(loaded -> {
      log.info("Availability index loaded with {} pools", index.size());
      catchUpTimer = vertx.setPeriodic(config.catchUp().toMillis(), tick -> {
        catchUp();
        tellCutOffs();
      });
      return Future.join(
          vertx.eventBus().<JsonObject>consumer(Addresses.POOL_CHANGED, this::changed).completion(),
          vertx.eventBus().<JsonObject>consumer(Addresses.AVAILABILITY_QUERY, this::publicQuery).completion(),
          vertx.eventBus().<JsonObject>localConsumer(Addresses.AVAILABILITY_LOCAL, this::localQuery).completion(),
          vertx.eventBus().<JsonObject>localConsumer(Addresses.AVAILABILITY_HTTP, this::httpQuery).completion(),
          vertx.eventBus().<JsonObject>localConsumer(Addresses.CONSOLE_BOARD_LOCAL, this::board).completion());
    });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(catchUpTimer);
    return Future.succeededFuture();
  }

  /**
   * {@code tally.availability.query}, for sibling services: the contract's answer as a JSON object, or a failure
   * whose code is the status and whose message is the error code.
   */
  private void publicQuery(Message<JsonObject> message) {
    try {
      message.reply(answer(AvailabilityRequest.fromJson(message.body()), false));
    } catch (Refusal refusal) {
      message.fail(refusal.status(), refusal.code());
    }
  }

  /** For this node's WebSockets: the answer with each slot's seq. */
  private void localQuery(Message<JsonObject> message) {
    try {
      message.reply(Reply.ok(answer(AvailabilityRequest.fromJson(message.body()), true)));
    } catch (Refusal refusal) {
      message.reply(Reply.refused(refusal));
    }
  }

  /** For {@code POST /availability}: the answer, encoded here. */
  private void httpQuery(Message<JsonObject> message) {
    AvailabilityRequest request;
    try {
      request = AvailabilityRequest.fromJson(message.body());
    } catch (Refusal refusal) {
      message.reply(Reply.refused(refusal));
      return;
    }
    List<Slot> offered = index.offered(request.region(), request.from(), request.to(), clock.instant());
    Buffer body = Buffer.buffer(SLOTS_OPEN.length + 1 + offered.size() * 128);
    body.appendBytes(SLOTS_OPEN);
    for (int i = 0; i < offered.size(); i++) {
      Slot slot = offered.get(i);
      if (i > 0) {
        body.appendByte((byte) ',');
      }
      body.appendBytes(slot.head()).appendBytes(slot.available(request.units()) ? TRUE_CLOSE : FALSE_CLOSE);
    }
    message.reply(Reply.ok(body.appendBytes(SLOTS_CLOSE)));
  }

  private JsonObject answer(AvailabilityRequest request, boolean withSeq) {
    JsonArray slots = new JsonArray();
    for (Slot slot : index.offered(request.region(), request.from(), request.to(), clock.instant())) {
      JsonObject item = new JsonObject().put("poolId", slot.poolId).put("start", slot.start.toString())
          .put("end", slot.end.toString()).put("available", slot.available(request.units()));
      if (withSeq) {
        item.put("seq", slot.seq);
      }
      slots.add(item);
    }
    return new JsonObject().put("slots", slots);
  }

  /**
   * A {@code PoolChanged} from any shard. A pool the index does not know yet (a new one) is read with the next
   * catch-up, brought forward: one query for however many new pools, where a query per pool would queue thousands
   * for the database's connections when a calendar is defined, ahead of every append.
   */
  private void changed(Message<JsonObject> message) {
    JsonObject change = message.body();
    String poolId = change.getString("poolId");
    Long seq = change.getLong("seq");
    if (poolId == null || seq == null) {
      return;
    }
    if (!index.knows(poolId)) {
      catchUpAgain = true;
      catchUp();
      return;
    }
    Integer capacity = change.getInteger("capacity");
    Long reserved = change.getLong("reserved");
    Long held = change.getLong("held");
    long[] numbers = capacity == null || reserved == null || held == null ? null
        : new long[] {capacity, reserved, held};
    Slot updated = index.change(poolId, seq, change.getLong("remaining", 0L),
        "open".equals(change.getString("status")), numbers);
    long committedAt = change.getLong("committedAtMs", 0L);
    if (committedAt > 0) {
      // the owner's wall clock against this node's: on one host exact, across hosts as good as their clock sync
      changeLag.record(Math.max(0, System.currentTimeMillis() - committedAt), TimeUnit.MILLISECONDS);
    }
    if (updated != null) {
      tell(updated);
    }
  }

  /** Re-reads every pool changed since the last read; at start, with the horizon "0", that is every pool. */
  private Future<Void> catchUp() {
    if (catchingUp) {
      return Future.succeededFuture();
    }
    catchingUp = true;
    catchUpAgain = false;
    return sql.withTransaction(conn -> conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute()
            .compose(isolated -> conn.query(HORIZON).execute())
            .compose(next -> conn.preparedQuery(CHANGED_SINCE).execute(Tuple.of(horizon)).map(rows -> {
              apply(rows);
              horizon = next.iterator().next().getString("horizon");
              return (Void) null;
            })))
        .onFailure(failure -> log.warn("Availability catch-up failed: {}", failure.toString()))
        .eventually(() -> {
          catchingUp = false;
          if (catchUpAgain) {
            catchUp(); // a new pool was announced while this one ran
          }
          return Future.succeededFuture();
        });
  }

  private void apply(RowSet<Row> rows) {
    List<Slot> changed = new ArrayList<>();
    for (Row row : rows) {
      List<String> regions = List.of(row.getArrayOfStrings("regions"));
      OffsetDateTime cutoff = row.getOffsetDateTime("cutoff");
      Slot slot = index.put(new Slot(row.getString("pool_id"), row.getOffsetDateTime("slot_start").toInstant(),
          row.getOffsetDateTime("slot_end").toInstant(), regions, cutoff == null ? null : cutoff.toInstant(),
          row.getLong("seq"), row.getInteger("capacity"), row.getLong("reserved"), row.getLong("held"),
          "open".equals(row.getString("status"))));
      if (slot != null) {
        changed.add(slot);
      }
    }
    indexed.set(index.size());
    changed.forEach(this::tell);
  }

  /** Tells this node's WebSocket clients of the slots whose cut-off passed since the last time: no longer offered. */
  private void tellCutOffs() {
    Instant now = clock.instant();
    if (now.isAfter(cutOffUpTo)) {
      index.cutOff(cutOffUpTo, now).forEach(slot -> tell(slot, true));
      cutOffUpTo = now;
    }
  }

  /** Tells this node's WebSocket clients how a slot stands now; a slot past its cut-off is told as not open. */
  private void tell(Slot slot) {
    tell(slot, false);
  }

  /**
   * @param cutOff the slot's cut-off just passed: a change without a new seq, which clients are told although they
   *     know the seq already
   */
  private void tell(Slot slot, boolean cutOff) {
    vertx.eventBus().publish(Addresses.AVAILABILITY_CHANGED_LOCAL, new JsonObject()
        .put("poolId", slot.poolId)
        .put("regions", new JsonArray(slot.regions))
        .put("day", slot.day.toString())
        .put("start", slot.start.toString())
        .put("end", slot.end.toString())
        .put("seq", slot.seq)
        .put("remaining", slot.remaining)
        .put("open", slot.offered(clock.instant()))
        .put("cutOff", cutOff)
        .mergeIn(numbers(slot, clock.instant())), local);
  }

  /** What the console sees of a pool beyond what the storefront does: its numbers, status and cut-off. */
  private static JsonObject numbers(Slot slot, Instant now) {
    JsonObject numbers = new JsonObject().put("capacity", slot.capacity).put("reserved", slot.reserved)
        .put("held", slot.held).put("status", slot.open ? "open" : "closed").put("pastCutoff", slot.pastCutoff(now));
    if (slot.cutoff != null) {
      numbers.put("cutoff", slot.cutoff.toString());
    }
    return numbers;
  }

  /**
   * For the operator console: every pool of the region whose day is in {@code [from, to)}, offered or not, with its
   * numbers (which the storefront's answers never carry).
   */
  private void board(Message<JsonObject> message) {
    AvailabilityRequest request;
    try {
      request = AvailabilityRequest.fromJson(message.body());
    } catch (Refusal refusal) {
      message.reply(Reply.refused(refusal));
      return;
    }
    Instant now = clock.instant();
    JsonArray slots = new JsonArray();
    for (Slot slot : index.board(request.region(), request.from(), request.to())) {
      slots.add(new JsonObject().put("poolId", slot.poolId).put("start", slot.start.toString())
          .put("end", slot.end.toString()).mergeIn(numbers(slot, now)).put("seq", slot.seq));
    }
    message.reply(Reply.ok(new JsonObject().put("region", request.region()).put("from", request.from().toString())
        .put("to", request.to().toString()).put("slots", slots)));
  }
}
