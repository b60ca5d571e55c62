package io.tally.journal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tally.config.JournalConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL event store. Appends from every shard of the node are queued and written together: while
 * {@code maxConcurrentAppends} transactions are in flight, new appends wait and then share one multi-row INSERT
 * (group commit per node), so a commit's fsync is paid once for many decisions. Shards hand appends over through a
 * lock-free queue, and a finished transaction answers each calling context with one task, so a busy writer costs
 * no thread hand-off per append.
 *
 * <p>A shared INSERT is all-or-nothing per stream: rows go in with {@code ON CONFLICT DO NOTHING}; if any stream
 * lost a row to another writer, the transaction is rolled back, that stream's append fails with
 * {@link AppendConflictException}, and the batch is written again without it. A batch writes its streams in
 * stream-id order, so that two writers racing for the same streams never deadlock.
 */
public final class Journal {

  private static final Logger log = LoggerFactory.getLogger(Journal.class);
  private static final Comparator<PendingAppend> BY_STREAM = Comparator.comparing(
      pending -> pending.append().streamId());

  private static final String INSERT_EVENTS = """
      INSERT INTO events (stream_id, seq, type, payload, metadata)
      SELECT s, q, t, p::jsonb, $5::text::jsonb
        FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS u(s, q, t, p)
      ON CONFLICT DO NOTHING""";

  private static final String COUNT_OWN_ROWS = """
      SELECT stream_id, count(*) AS n
        FROM events
       WHERE tx_id = pg_current_xact_id()
       GROUP BY stream_id""";

  private static final String UPSERT_SNAPSHOT = """
      INSERT INTO snapshots (stream_id, seq, state)
      VALUES ($1, $2, $3::text::jsonb)
      ON CONFLICT (stream_id) DO UPDATE
         SET seq = EXCLUDED.seq, state = EXCLUDED.state, taken_at = now()
       WHERE snapshots.seq <= EXCLUDED.seq""";

  private static final String SELECT_SNAPSHOTS = """
      SELECT stream_id, seq, state::text AS state
        FROM snapshots
       WHERE stream_id = ANY($1::text[])""";

  private static final String SELECT_TAILS = """
      SELECT e.stream_id, e.seq, e.type, e.payload::text AS payload, e.metadata::text AS metadata, e.recorded_at
        FROM unnest($1::text[], $2::bigint[]) AS u(stream_id, after)
        JOIN events e ON e.stream_id = u.stream_id AND e.seq > u.after
       ORDER BY e.stream_id, e.seq""";

  /** The most streams one shared load reads; loads beyond wait for the next one. */
  static final int MAX_BATCH_LOADS = 256;
  /** Shared loads in flight at once, so that loads never take every connection from the appends. */
  private static final int MAX_LOADS_IN_FLIGHT = 2;

  private final Vertx vertx;
  private final Pool pool;
  private final JournalReader reader;
  private final JournalConfig config;
  private final InlineProjection projection;
  private final String metadata;
  private final Context writer;
  private final Queue<PendingAppend> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private final Queue<PendingLoad> loadQueue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger loadsInFlight = new AtomicInteger();
  private final AtomicBoolean loadWakeupPending = new AtomicBoolean();
  private final AtomicInteger queued = new AtomicInteger();
  private final DistributionSummary batchEvents;
  private final Timer committed;
  private final Timer conflicted;
  private final Timer failed;
  private final Counter appendsCommitted;
  private final Counter appendsConflicted;
  private final Counter appendsFailed;

  /**
   * @param writerName stored in every event's metadata, so the journal tells which node wrote what
   * @param registry where the journal's meters are kept
   */
  public Journal(Vertx vertx, Pool pool, JournalConfig config, String writerName, MeterRegistry registry) {
    this(vertx, pool, config, writerName, InlineProjection.NONE, registry);
  }

  /**
   * @param projection written in every append transaction, after the events (see {@link InlineProjection})
   */
  public Journal(Vertx vertx, Pool pool, JournalConfig config, String writerName, InlineProjection projection,
      MeterRegistry registry) {
    this.vertx = vertx;
    this.pool = pool;
    this.reader = new JournalReader(pool);
    this.config = config;
    this.projection = projection;
    this.metadata = new JsonObject().put("node", writerName).encode();
    this.writer = vertx.getOrCreateContext();
    batchEvents = DistributionSummary.builder("tally.journal.batch.events")
        .description("Events written by one shared append transaction").serviceLevelObjectives(1, 10, 100, 1_000)
        .register(registry);
    String commit = "tally.journal.commit";
    String commitDescription = "Shared append transactions, from the first statement to the commit, by outcome";
    committed = Timer.builder(commit).tag("outcome", "committed").description(commitDescription).register(registry);
    conflicted = Timer.builder(commit).tag("outcome", "conflict").description(commitDescription).register(registry);
    failed = Timer.builder(commit).tag("outcome", "failed").description(commitDescription).register(registry);
    String appends = "tally.journal.appends";
    String appendsDescription = "Stream appends settled, by outcome (a conflict lost to another writer)";
    appendsCommitted = Counter.builder(appends).tag("outcome", "committed").description(appendsDescription)
        .register(registry);
    appendsConflicted = Counter.builder(appends).tag("outcome", "conflict").description(appendsDescription)
        .register(registry);
    appendsFailed = Counter.builder(appends).tag("outcome", "failed").description(appendsDescription)
        .register(registry);
    Gauge.builder("tally.journal.transactions.in.flight", inFlight, AtomicInteger::get)
        .description("Shared append transactions under way").register(registry);
    Gauge.builder("tally.journal.appends.queued", queued, AtomicInteger::get)
        .description("Appends waiting for a transaction").register(registry);
  }

  /**
   * Appends events to one stream, together with appends from the rest of the node. Completes on the caller's
   * context once the events are committed; fails with {@link AppendConflictException} when the stream already has
   * events after {@code expectedSeq}, or with the database's error, in which case the outcome is unknown and the
   * caller must reload the stream before deciding again.
   */
  public Future<Void> append(StreamAppend append) {
    Promise<Void> promise = Promise.promise();
    queue.offer(new PendingAppend(append, vertx.getOrCreateContext(), promise));
    queued.incrementAndGet();
    // the writer drains the queue whenever a transaction completes, so it needs waking only when it has room
    if (inFlight.get() < config.maxConcurrentAppends() && !wakeupPending.getAndSet(true)) {
      writer.runOnContext(v -> {
        wakeupPending.set(false);
        flush();
      });
    }
    return promise.future();
  }

  /**
   * Stores a snapshot of a stream in its own transaction, after the events it covers were committed. The state is
   * produced on a worker thread, since a large stream's state takes a while to write out; a lost snapshot costs
   * only a longer replay.
   */
  public Future<Void> saveSnapshot(String streamId, long seq, Supplier<String> state) {
    return vertx.executeBlocking(state::get, false)
        .compose(json -> pool.preparedQuery(UPSERT_SNAPSHOT).execute(Tuple.of(streamId, seq, json)))
        .onSuccess(saved -> log.atDebug().addKeyValue("stream", streamId).addKeyValue("seq", seq)
            .log("Snapshot of {} at seq {}", streamId, seq))
        .mapEmpty();
  }

  /**
   * Every event of a stream recorded at or before {@code at}, oldest first: the stream as it was then
   * ({@link JournalReader#readUntil}). Completes on the caller's context.
   */
  public Future<List<RecordedEvent>> readUntil(String streamId, OffsetDateTime at) {
    return reader.readUntil(streamId, at);
  }

  /**
   * Every event of a stream, without its snapshot: for a caller that cannot use the snapshot the stream has (one of
   * another state version). Completes on the caller's context.
   */
  public Future<StreamHistory> loadFromStart(String streamId) {
    String[] streams = {streamId};
    return pool.preparedQuery(SELECT_TAILS).execute(Tuple.tuple().addArrayOfString(streams).addArrayOfLong(
            new Long[] {0L}))
        .map(rows -> histories(streams, Map.of(), rows).get(streamId));
  }

  /**
   * Loads a stream for replay: its latest snapshot and every event after it. Loads from the whole node are queued
   * and read together, up to {@value #MAX_BATCH_LOADS} streams in two queries, so that a node taking over thousands
   * of pools (after a crash or a rejoin) reads them in a few round trips and leaves the connections to the appends.
   * Completes on the caller's context.
   */
  public Future<StreamHistory> load(String streamId) {
    Promise<StreamHistory> promise = Promise.promise();
    loadQueue.offer(new PendingLoad(streamId, vertx.getOrCreateContext(), promise));
    if (loadsInFlight.get() < MAX_LOADS_IN_FLIGHT && !loadWakeupPending.getAndSet(true)) {
      writer.runOnContext(v -> {
        loadWakeupPending.set(false);
        flushLoads();
      });
    }
    return promise.future();
  }

  /** Runs on the writer context: starts shared loads while there is room and work. */
  private void flushLoads() {
    while (loadsInFlight.get() < MAX_LOADS_IN_FLIGHT && !loadQueue.isEmpty()) {
      Map<String, List<PendingLoad>> batch = new LinkedHashMap<>();
      PendingLoad next;
      while (batch.size() < MAX_BATCH_LOADS && (next = loadQueue.poll()) != null) {
        batch.computeIfAbsent(next.streamId(), id -> new ArrayList<>()).add(next);
      }
      loadsInFlight.incrementAndGet();
      loadTogether(batch).onComplete(done -> {
        loadsInFlight.decrementAndGet();
        flushLoads();
      });
    }
  }

  /**
   * Reads the snapshots of a batch of streams, then every event after each one's snapshot, and completes each load
   * on its caller's context; never fails itself.
   */
  private Future<Void> loadTogether(Map<String, List<PendingLoad>> batch) {
    String[] streams = batch.keySet().toArray(String[]::new);
    List<PendingLoad> loads = batch.values().stream().flatMap(List::stream).toList();
    return pool.preparedQuery(SELECT_SNAPSHOTS).execute(Tuple.tuple().addArrayOfString(streams))
        .compose(snapshotRows -> {
          Map<String, Snapshot> snapshots = new HashMap<>();
          for (Row row : snapshotRows) {
            snapshots.put(row.getString("stream_id"), toSnapshot(row.getString("stream_id"), row));
          }
          Long[] after = new Long[streams.length];
          for (int i = 0; i < streams.length; i++) {
            Snapshot snapshot = snapshots.get(streams[i]);
            after[i] = snapshot == null ? 0L : snapshot.seq();
          }
          return pool.preparedQuery(SELECT_TAILS)
              .execute(Tuple.tuple().addArrayOfString(streams).addArrayOfLong(after))
              .map(rows -> histories(streams, snapshots, rows));
        })
        .onSuccess(histories -> onCallers(loads, PendingLoad::caller,
            load -> load.promise().complete(histories.get(load.streamId()))))
        .onFailure(failure -> onCallers(loads, PendingLoad::caller, load -> load.promise().fail(failure)))
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  private static Map<String, StreamHistory> histories(String[] streams, Map<String, Snapshot> snapshots,
      RowSet<Row> rows) {
    Map<String, List<RecordedEvent>> tails = new HashMap<>();
    for (Row row : rows) {
      RecordedEvent event = JournalReader.event(row);
      tails.computeIfAbsent(event.streamId(), s -> new ArrayList<>()).add(event);
    }
    Map<String, StreamHistory> histories = new HashMap<>();
    for (String stream : streams) {
      histories.put(stream, new StreamHistory(stream, Optional.ofNullable(snapshots.get(stream)),
          tails.getOrDefault(stream, List.of())));
    }
    return histories;
  }

  private static Snapshot toSnapshot(String streamId, Row row) {
    return new Snapshot(streamId, row.getLong("seq"), row.getString("state"));
  }

  /** Runs on the writer context: starts shared transactions while there is room and work. */
  private void flush() {
    while (inFlight.get() < config.maxConcurrentAppends() && !queue.isEmpty()) {
      List<PendingAppend> batch = new ArrayList<>();
      int events = 0;
      PendingAppend next;
      while ((next = queue.peek()) != null
          && (batch.isEmpty() || events + next.append().events().size() <= config.maxBatchEvents())) {
        queue.poll();
        events += next.append().events().size();
        batch.add(next);
      }
      queued.addAndGet(-batch.size());
      batchEvents.record(events);
      // one order for every writer's rows: two that race for the same streams (a handoff, a split cluster) then
      // lock them in the same order, and one waits for the other's commit and loses cleanly instead of deadlocking;
      // the sort is stable, so a stream's own appends keep theirs
      batch.sort(BY_STREAM);
      inFlight.incrementAndGet();
      write(batch).onComplete(done -> {
        inFlight.decrementAndGet();
        flush();
      });
    }
  }

  /** Writes a batch and settles every append in it; never fails itself. */
  private Future<Void> write(List<PendingAppend> batch) {
    long started = System.nanoTime();
    return pool.withTransaction(conn -> insert(conn, batch))
        .onSuccess(written -> {
          committed.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
          appendsCommitted.increment(batch.size());
          settle(batch, null);
        })
        .recover(failure -> {
          if (failure instanceof Conflicts conflicts) {
            conflicted.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            List<PendingAppend> lost = new ArrayList<>();
            List<PendingAppend> rest = new ArrayList<>(batch.size());
            for (PendingAppend pending : batch) {
              (conflicts.streams().contains(pending.append().streamId()) ? lost : rest).add(pending);
            }
            lost.forEach(pending -> log.atDebug().addKeyValue("stream", pending.append().streamId())
                .addKeyValue("seq", pending.append().expectedSeq())
                .log("Append to {} at seq {} lost to another writer", pending.append().streamId(),
                    pending.append().expectedSeq()));
            appendsConflicted.increment(lost.size());
            settle(lost, pending -> new AppendConflictException(pending.append().streamId(),
                pending.append().expectedSeq()));
            return rest.isEmpty() ? Future.succeededFuture() : write(rest);
          }
          failed.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
          appendsFailed.increment(batch.size());
          log.warn("Shared append of {} streams failed: {}", batch.size(), failure.toString());
          settle(batch, pending -> failure);
          return Future.succeededFuture();
        });
  }

  /**
   * Completes appends on their callers' contexts, one task per context rather than one per append.
   *
   * @param failure the failure of each append, or {@code null} when they all succeeded
   */
  private static void settle(List<PendingAppend> appends, Function<PendingAppend, Throwable> failure) {
    onCallers(appends, PendingAppend::caller, pending -> {
      if (failure == null) {
        pending.promise().complete();
      } else {
        pending.promise().fail(failure.apply(pending));
      }
    });
  }

  /** Runs {@code complete} for each item on its caller's context, one task per context rather than one per item. */
  private static <T> void onCallers(Collection<T> items, Function<T, Context> caller, Consumer<T> complete) {
    Map<Context, List<T>> byContext = new IdentityHashMap<>();
    for (T item : items) {
      byContext.computeIfAbsent(caller.apply(item), context -> new ArrayList<>()).add(item);
    }
    byContext.forEach((context, mine) -> context.runOnContext(v -> mine.forEach(complete)));
  }

  private Future<Void> insert(SqlConnection conn, List<PendingAppend> batch) {
    int total = batch.stream().mapToInt(pending -> pending.append().events().size()).sum();
    String[] streams = new String[total];
    Long[] seqs = new Long[total];
    String[] types = new String[total];
    String[] payloads = new String[total];
    int i = 0;
    for (PendingAppend pending : batch) {
      StreamAppend append = pending.append();
      long seq = append.expectedSeq();
      for (NewEvent event : append.events()) {
        streams[i] = append.streamId();
        seqs[i] = ++seq;
        types[i] = event.type();
        payloads[i] = event.payload();
        i++;
      }
    }
    Tuple params = Tuple.tuple().addArrayOfString(streams).addArrayOfLong(seqs).addArrayOfString(types)
        .addArrayOfString(payloads).addString(metadata);
    return conn.preparedQuery(INSERT_EVENTS).execute(params)
        .compose(inserted -> inserted.rowCount() == total ? Future.<Void>succeededFuture() : conflictsIn(conn, batch))
        .compose(written -> projection.apply(conn, batch.stream().map(PendingAppend::append).toList()));
  }

  /** After a short insert: the streams that did not get all their rows, counted from this transaction's own. */
  private Future<Void> conflictsIn(SqlConnection conn, List<PendingAppend> batch) {
    return conn.query(COUNT_OWN_ROWS).execute().compose(rows -> {
      Map<String, Long> written = new HashMap<>();
      rows.forEach(row -> written.put(row.getString("stream_id"), row.getLong("n")));
      Map<String, Long> expected = new HashMap<>();
      batch.forEach(pending -> expected.merge(pending.append().streamId(),
          (long) pending.append().events().size(), Long::sum));
      Set<String> conflicting = new HashSet<>();
      expected.forEach((stream, count) -> {
        if (!count.equals(written.getOrDefault(stream, 0L))) {
          conflicting.add(stream);
        }
      });
      return Future.failedFuture(new Conflicts(conflicting));
    });
  }

  private record PendingAppend(StreamAppend append, Context caller, Promise<Void> promise) {
  }

  private record PendingLoad(String streamId, Context caller, Promise<StreamHistory> promise) {
  }

  /** Signals, inside the transaction, that some streams lost rows to another writer; it is rolled back. */
  private static final class Conflicts extends RuntimeException {
    private final Set<String> streams;

    Conflicts(Set<String> streams) {
      super("conflicting streams " + streams, null, false, false);
      this.streams = streams;
    }

    Set<String> streams() {
      return streams;
    }
  }
}
