package io.tally.query;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.tally.contract.Addresses;
import io.tally.contract.Refusal;
import io.tally.contract.Reply;
import io.tally.contract.UnreadableEvent;
import io.tally.journal.FeedEvent;
import io.tally.journal.FeedPosition;
import io.tally.journal.JournalReader;
import io.tally.pool.Ids;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the async projections and serves their state. Each projection has one runner in the whole cluster: the
 * node whose connection holds the projection's PostgreSQL advisory lock; the others stand by and take over when
 * that connection dies. A runner reads the event feed from the projection's checkpoint and applies each batch and
 * the new checkpoint in one transaction, guarded by the old checkpoint, so a rebuild (which resets it) or a second
 * runner can never make it skip or repeat events.
 */
public final class ProjectionsVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ProjectionsVerticle.class);
  private static final int BATCH = 1_000;
  private static final Duration STANDBY_RETRY = Duration.ofSeconds(2);
  private static final Duration PROGRESS_LOG = Duration.ofSeconds(10);
  private static final Duration LAG_SAMPLE = Duration.ofSeconds(5);

  private static final String ENSURE_CHECKPOINT = """
      INSERT INTO checkpoints (name, tx_id, position)
      VALUES ($1, '0', 0)
      ON CONFLICT (name) DO NOTHING""";
  private static final String READ_CHECKPOINT = """
      SELECT tx_id::text AS tx, position, last_failure, paused_at, pause_reason
        FROM checkpoints
       WHERE name = $1""";
  private static final String MOVE_CHECKPOINT = """
      UPDATE checkpoints
         SET tx_id = $2::text::xid8, position = $3, last_failure = NULL
       WHERE name = $1 AND tx_id = $4::text::xid8 AND position = $5 AND paused_at IS NULL""";
  private static final String PAUSE = """
      UPDATE checkpoints
         SET paused_at = coalesce(paused_at, now()), pause_reason = $2
       WHERE name = $1""";
  private static final String RESUME = """
      UPDATE checkpoints
         SET paused_at = NULL, pause_reason = NULL
       WHERE name = $1""";
  private static final String RECORD_FAILURE = """
      UPDATE checkpoints
         SET last_failure = $2
       WHERE name = $1""";
  private static final String RESET_CHECKPOINT = """
      UPDATE checkpoints
         SET tx_id = '0', position = 0, last_failure = NULL
       WHERE name = $1""";
  private static final String BEHIND = """
      SELECT (SELECT count(*) FROM events) AS total,
             (SELECT count(*) FROM events WHERE (tx_id, position) > ($1::text::xid8, $2)) AS behind""";
  private static final String LAG = """
      SELECT count(*) AS behind FROM events WHERE (tx_id, position) > ($1::text::xid8, $2)""";
  private static final String DEMAND = """
      SELECT day, reservations, units, releases, released_units, holds, held_units, holds_confirmed,
             holds_expired, holds_cancelled
        FROM demand_v2_daily
       WHERE region = $1 AND day >= $2 AND day < $3
       ORDER BY day""";

  private final Pool sql;
  private final JournalReader journal;
  private final List<AsyncProjection> projections;
  private final Duration poll;
  private final MeterRegistry registry;
  private final List<Runner> runners = new ArrayList<>();
  private boolean stopping;

  /** @param registry where each projection's meters are kept, tagged with its name */
  public ProjectionsVerticle(Pool sql, JournalReader journal, List<AsyncProjection> projections, Duration poll,
      MeterRegistry registry) {
    this.registry = registry;
    this.sql = sql;
    this.journal = journal;
    this.projections = List.copyOf(projections);
    this.poll = poll;
  }

  @Override
  public Future<?> start() {
    List<Future<?>> ready = new ArrayList<>();
    for (AsyncProjection projection : projections) {
      ready.add(sql.preparedQuery(ENSURE_CHECKPOINT).execute(Tuple.of(projection.checkpoint()))
          .onSuccess(ensured -> {
            Runner runner = new Runner(projection);
            runners.add(runner);
            runner.lead();
          }));
    }
    ready.add(vertx.eventBus().<JsonObject>consumer(Addresses.PROJECTIONS, this::handle).completion());
    return Future.all(ready);
  }

  /**
   * Stops every runner and gives its connection back, which releases the projection's advisory lock at once so that
   * a node standing by takes over without waiting for this one's connection to time out.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    return Future.join(runners.stream().map(Runner::close).toList());
  }

  private void handle(Message<JsonObject> message) {
    JsonObject request = message.body();
    Future<Reply> answer = switch (request.getString("kind", "")) {
      case "status" -> status().map(Reply::ok);
      case "rebuild" -> rebuild(request.getString("name")).map(Reply::accepted);
      case "pause" -> pause(request.getString("name"), request.getString("reason")).map(Reply::ok);
      case "resume" -> resume(request.getString("name")).map(Reply::ok);
      case "demand" -> demand(request).map(Reply::ok);
      default -> Future.failedFuture(Refusal.invalid("invalid_request",
          "kind must be status, rebuild, pause, resume or demand"));
    };
    answer.recover(failure -> {
      if (failure instanceof Refusal refusal) {
        return Future.succeededFuture(Reply.refused(refusal));
      }
      log.warn("Projection request {} failed: {}", request.getString("kind"), failure.toString());
      return Future.succeededFuture(Reply.refused(Refusal.unavailable("the projections could not be read; retry")));
    }).onSuccess(message::reply);
  }

  /**
   * Where each projection stands: its checkpoint, how many events of the journal it has yet to apply, and why its
   * last batch failed if it did (the projection does not move past an event it cannot apply).
   */
  private Future<JsonObject> status() {
    List<Future<JsonObject>> each = new ArrayList<>();
    for (AsyncProjection projection : projections) {
      each.add(sql.preparedQuery(READ_CHECKPOINT).execute(Tuple.of(projection.checkpoint())).compose(rows -> {
        Row checkpoint = rows.iterator().next();
        FeedPosition at = new FeedPosition(checkpoint.getString("tx"), checkpoint.getLong("position"));
        String failure = checkpoint.getString("last_failure");
        OffsetDateTime pausedAt = checkpoint.getOffsetDateTime("paused_at");
        String pauseReason = checkpoint.getString("pause_reason");
        return sql.preparedQuery(BEHIND).execute(Tuple.of(at.txId(), at.position())).map(counts -> {
          Row row = counts.iterator().next();
          long total = row.getLong("total");
          long behind = row.getLong("behind");
          JsonObject status = new JsonObject().put("name", projection.name()).put("checkpoint", at.toString())
              .put("events", total).put("behind", behind)
              .put("progress", total == 0 ? 1.0 : Math.round(1000.0 * (total - behind) / total) / 1000.0)
              .put("paused", pausedAt != null);
          if (pausedAt != null) {
            status.put("pausedAt", pausedAt.toInstant().toString());
            if (pauseReason != null) {
              status.put("pauseReason", pauseReason);
            }
          }
          return failure == null ? status : status.put("failure", failure);
        });
      }));
    }
    return Future.all(each).map(all -> new JsonObject().put("projections", new JsonArray(all.list())));
  }

  /**
   * Stops a projection where it is, on whichever node runs it: once the pause is committed, no batch moves its
   * checkpoint (the move requires the projection not to be paused), so nothing more is applied until it resumes.
   * Pausing a paused projection keeps its first pause time.
   */
  private Future<JsonObject> pause(String name, String reason) {
    if (reason != null && (reason.isBlank() || reason.length() > 500)) {
      return Future.failedFuture(Refusal.invalid("invalid_reason", "reason must be 1 to 500 characters"));
    }
    return named(name).compose(projection -> sql.preparedQuery(PAUSE).execute(Tuple.of(projection.checkpoint(),
            reason)))
        .onSuccess(paused -> log.info("Projection {} paused{}", name, reason == null ? "" : ": " + reason))
        .compose(paused -> statusOf(name));
  }

  /** Lets a paused projection go on from its checkpoint; resuming one that is not paused changes nothing. */
  private Future<JsonObject> resume(String name) {
    return named(name).compose(projection -> sql.preparedQuery(RESUME).execute(Tuple.of(projection.checkpoint())))
        .onSuccess(resumed -> log.info("Projection {} resumed", name))
        .compose(resumed -> statusOf(name));
  }

  private Future<AsyncProjection> named(String name) {
    return projections.stream().filter(p -> p.name().equals(name)).findFirst().map(Future::succeededFuture)
        .orElseGet(() -> Future.failedFuture(Refusal.notFound("projection_not_found",
            "no projection named '" + name + "'")));
  }

  private Future<JsonObject> statusOf(String name) {
    return status().map(all -> all.getJsonArray("projections").stream().map(JsonObject.class::cast)
        .filter(p -> p.getString("name").equals(name)).findFirst().orElseThrow());
  }

  /**
   * Empties a projection and resets its checkpoint in one transaction; its runner then replays the feed (once
   * resumed, if it is paused).
   */
  private Future<JsonObject> rebuild(String name) {
    AsyncProjection projection = projections.stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
    if (projection == null) {
      return Future.failedFuture(Refusal.notFound("projection_not_found", "no projection named '" + name + "'"));
    }
    return sql.withTransaction(conn -> projection.reset(conn)
            .compose(emptied -> conn.preparedQuery(RESET_CHECKPOINT).execute(Tuple.of(projection.checkpoint()))))
        .onSuccess(reset -> log.info("Projection {} emptied; rebuilding from the start of the feed", name))
        .compose(reset -> status())
        .map(all -> all.getJsonArray("projections").stream().map(JsonObject.class::cast)
            .filter(p -> p.getString("name").equals(name)).findFirst().orElseThrow().put("rebuilding", true));
  }

  /** Demand for one region, or with {@code regionUnknown} for the reservations whose region is not known. */
  private Future<JsonObject> demand(JsonObject request) {
    boolean unknown = request.getBoolean("regionUnknown", false);
    String region = unknown ? DemandProjection.REGION_UNKNOWN : request.getString("region");
    if (!unknown && !Ids.isRegion(region)) {
      return Future.failedFuture(Refusal.invalid("invalid_region", Ids.REGION_RULE));
    }
    LocalDate from;
    LocalDate to;
    try {
      from = LocalDate.parse(request.getString("from", ""));
      to = LocalDate.parse(request.getString("to", ""));
    } catch (DateTimeParseException e) {
      return Future.failedFuture(invalidWindow());
    }
    if (!from.isBefore(to)) {
      return Future.failedFuture(invalidWindow());
    }
    return sql.preparedQuery(DEMAND).execute(Tuple.of(region, from, to)).map(rows -> {
      JsonArray days = new JsonArray();
      for (Row row : rows) {
        days.add(new JsonObject().put("day", row.getLocalDate("day").toString())
            .put("reservations", row.getLong("reservations")).put("units", row.getLong("units"))
            .put("releases", row.getLong("releases")).put("releasedUnits", row.getLong("released_units"))
            .put("holds", row.getLong("holds")).put("heldUnits", row.getLong("held_units"))
            .put("holdsConfirmed", row.getLong("holds_confirmed")).put("holdsExpired", row.getLong("holds_expired"))
            .put("holdsCancelled", row.getLong("holds_cancelled")));
      }
      JsonObject report = unknown ? new JsonObject().put("regionUnknown", true)
          : new JsonObject().put("region", region);
      return report.put("days", days);
    });
  }

  /** Where a projection stands, and whether it is paused. */
  private record Checkpoint(FeedPosition position, boolean paused) {
  }

  private static Future<Checkpoint> checkpoint(io.vertx.sqlclient.SqlClient client, String name) {
    return client.preparedQuery(READ_CHECKPOINT).execute(Tuple.of(name)).map(rows -> {
      Row row = rows.iterator().next();
      return new Checkpoint(new FeedPosition(row.getString("tx"), row.getLong("position")),
          row.getOffsetDateTime("paused_at") != null);
    });
  }

  /** The loop of one projection on this node: stand by until it holds the lock, then follow the feed. */
  private final class Runner {
    private final AsyncProjection projection;
    private final long lockKey;
    private SqlConnection conn;
    private long applied;
    private long lastLog = System.nanoTime();
    private long lastLagSample;
    private String lastFailure;
    private final Counter appliedEvents;
    private final Counter failures;
    private final AtomicLong position = new AtomicLong();
    private final AtomicLong behind = new AtomicLong();
    private volatile boolean leading;
    private volatile boolean paused;
    private final Counter reads;

    Runner(AsyncProjection projection) {
      this.projection = projection;
      CRC32 crc = new CRC32();
      crc.update(("tally.projection." + projection.checkpoint()).getBytes(StandardCharsets.UTF_8));
      this.lockKey = crc.getValue();
      Tags tags = Tags.of("projection", projection.name());
      appliedEvents = Counter.builder("tally.projection.applied").tags(tags)
          .description("Events this node applied to the projection").register(registry);
      failures = Counter.builder("tally.projection.failures").tags(tags)
          .description("Batches the projection could not apply (it retries them)").register(registry);
      Gauge.builder("tally.projection.position", position, AtomicLong::get).tags(tags)
          .description("The feed position of the last event the projection applied (on the node running it)")
          .register(registry);
      Gauge.builder("tally.projection.lag.events", behind, AtomicLong::get).tags(tags)
          .description("Events the projection had yet to apply at its last read (on the node running it)")
          .register(registry);
      Gauge.builder("tally.projection.running", this, runner -> runner.leading ? 1 : 0).tags(tags)
          .description("1 on the node that runs the projection, 0 on the nodes standing by").register(registry);
      Gauge.builder("tally.projection.paused", this, runner -> runner.leading && runner.paused ? 1 : 0).tags(tags)
          .description("1 while the projection is paused (on the node running it)").register(registry);
      reads = Counter.builder("tally.projection.reads").tags(tags)
          .description("Times the running node read the projection's checkpoint to go on (once per batch or poll)")
          .register(registry);
    }

    Future<Void> close() {
      SqlConnection connection = conn;
      conn = null;
      leading = false;
      return connection == null ? Future.succeededFuture() : connection.close();
    }

    void lead() {
      if (stopping) {
        return;
      }
      sql.getConnection().compose(this::tryLock)
          .onFailure(failure -> standBy())
          .onSuccess(led -> {
            if (stopping) {
              led.ifPresent(SqlConnection::close);
            } else if (led.isPresent()) {
              run(led.get());
            } else {
              standBy();
            }
          });
    }

    /** The connection if it now holds the projection's lock; otherwise it is given back. */
    private Future<Optional<SqlConnection>> tryLock(SqlConnection connection) {
      return connection.preparedQuery("SELECT pg_try_advisory_lock($1) AS led").execute(Tuple.of(lockKey))
          .map(rows -> {
            if (rows.iterator().next().getBoolean("led")) {
              return Optional.of(connection);
            }
            connection.close();
            return Optional.<SqlConnection>empty();
          });
    }

    private void standBy() {
      if (!stopping) {
        vertx.setTimer(STANDBY_RETRY.toMillis(), again -> lead());
      }
    }

    private void run(SqlConnection connection) {
      conn = connection;
      connection.closeHandler(v -> {
        if (!stopping) {
          log.warn("Projection {} lost its connection; standing by", projection.name());
          conn = null;
          leading = false;
          standBy();
        }
      });
      log.info("Projection {} runs on this node", projection.name());
      leading = true;
      follow();
    }

    /** Applies the next batch; goes on at once after a full batch, after the poll interval otherwise. */
    private void follow() {
      SqlConnection connection = conn;
      if (connection == null) {
        return;
      }
      checkpoint(connection, projection.checkpoint())
          .compose(at -> {
            reads.increment();
            paused = at.paused();
            return at.paused() ? Future.succeededFuture(0)
                : journal.feed(at.position(), BATCH).compose(events -> apply(connection, at.position(), events));
          })
          .onFailure(this::failed)
          .otherwise(0)
          .onSuccess(applied -> {
            if (stopping) {
              return;
            } else if (applied == BATCH) {
              follow();
            } else {
              vertx.setTimer(poll.toMillis(), next -> follow());
            }
          });
    }

    /** Says why the batch was not applied, in the log and in the checkpoint's row for every node's status. */
    private void failed(Throwable failure) {
      String reason = failure instanceof UnreadableEvent ? failure.getMessage() : failure.toString();
      failures.increment();
      if (!reason.equals(lastFailure)) {
        log.warn("Projection {} could not apply a batch, and retries it: {}", projection.name(), reason);
        lastFailure = reason;
      }
      sql.preparedQuery(RECORD_FAILURE).execute(Tuple.of(projection.checkpoint(), reason));
    }

    private Future<Integer> apply(SqlConnection connection, FeedPosition from, List<FeedEvent> events) {
      if (events.isEmpty()) {
        behind.set(0);
        return Future.succeededFuture(0);
      }
      FeedPosition to = events.getLast().position();
      // a projection that throws (an event it cannot read) fails the future, so the transaction is rolled back
      return connection.begin().compose(tx -> Future.succeededFuture()
          .compose(begun -> projection.apply(connection, events))
          .compose(done -> connection.preparedQuery(MOVE_CHECKPOINT)
              .execute(Tuple.of(projection.checkpoint(), to.txId(), to.position(), from.txId(), from.position())))
          .compose(moved -> moved.rowCount() == 1 ? tx.commit()
              : tx.rollback().compose(v -> Future.failedFuture("the checkpoint moved (a rebuild?) or the projection"
                  + " was paused")))
          .recover(failure -> tx.rollback().transform(v -> Future.failedFuture(failure))))
          .map(committed -> {
            lastFailure = null;
            applied += events.size();
            appliedEvents.increment(events.size());
            position.set(to.position());
            measureLag(to, events.size());
            if (System.nanoTime() - lastLog > PROGRESS_LOG.toNanos()) {
              lastLog = System.nanoTime();
              log.info("Projection {} applied {} events so far, now at {}", projection.name(), applied, to);
            }
            return events.size();
          });
    }

    /**
     * After a batch: a short one read to the end of the feed, so nothing was behind it; after a full one the events
     * still behind are counted, at most every {@code LAG_SAMPLE}, so that a rebuild does not count millions of rows
     * per batch.
     */
    private void measureLag(FeedPosition at, int read) {
      if (read < BATCH) {
        behind.set(0);
        return;
      }
      long now = System.nanoTime();
      if (now - lastLagSample < LAG_SAMPLE.toNanos()) {
        return;
      }
      lastLagSample = now;
      sql.preparedQuery(LAG).execute(Tuple.of(at.txId(), at.position()))
          .onSuccess(rows -> behind.set(rows.iterator().next().getLong("behind")));
    }
  }

  private static Refusal invalidWindow() {
    return Refusal.invalid("invalid_window", "from and to must be dates (to exclusive), from before to");
  }
}
