package io.tally.audit;

import io.tally.contract.StoredForm;
import io.tally.journal.FeedEvent;
import io.tally.journal.FeedPosition;
import io.tally.journal.JournalCopy;
import io.tally.journal.JournalReader;
import io.tally.journal.NewEvent;
import io.tally.journal.RecordedEvent;
import io.tally.journal.StreamAppend;
import io.tally.pool.Pool;
import io.tally.pool.PoolDecider;
import io.tally.query.PoolViewProjection;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The copy-transform for the rare breaking change: copies a journal into an empty one (a new schema), every event
 * rewritten through the upcasters in the current version of its type, with its stream, seq, metadata and time of
 * recording, in feed order; fills the copy's {@code pool_view}; then verifies the copy: as many events, every one
 * of a current type, every pool's replay equal to the replay of the original, and the audit passing over the copy.
 * Snapshots and async projections are not copied: nodes write fresh snapshots and rebuild projections from the
 * feed. The original is only read. Nothing may write to it meanwhile; a journal that changed during the copy fails
 * the verification.
 */
public final class EventMigration {

  private static final int BATCH = 2_000;
  private static final long PROGRESS_NANOS = 1_000_000_000L;

  private EventMigration() {
  }

  /** What a copy did and found: events and pools copied, and one line per verification problem. */
  public record Result(long events, long pools, List<String> problems) {
    public boolean passed() {
      return problems.isEmpty();
    }

    public JsonObject toJson() {
      return new JsonObject().put("passed", passed()).put("events", events).put("pools", pools)
          .put("problems", new JsonArray(problems));
    }
  }

  /**
   * Copies {@code source} into {@code target}, whose schema is migrated and holds no events.
   *
   * @param progress receives a line at most once a second while copying, and one per verification step
   */
  public static Future<Result> run(io.vertx.sqlclient.Pool source, io.vertx.sqlclient.Pool target,
      Consumer<String> progress) {
    return JournalCopy.count(target).compose(present -> present == 0 ? JournalCopy.count(source)
            : Future.failedFuture(new IllegalStateException("the target journal already holds " + present
                + " events; copy into an empty schema")))
        .compose(total -> new Copy(source, target, total, progress).next(FeedPosition.START))
        .compose(copy -> copy.verify());
  }

  /** One copy in progress: the state of every pool replayed so far, and how far it has come. */
  private static final class Copy {
    private final io.vertx.sqlclient.Pool source;
    private final io.vertx.sqlclient.Pool target;
    private final long total;
    private final Consumer<String> progress;
    private final JournalReader reader;
    private final PoolViewProjection view = new PoolViewProjection();
    private final Map<String, Pool> pools = new HashMap<>();
    private final long started = System.nanoTime();
    private long copied;
    private long lastProgress = System.nanoTime();

    Copy(io.vertx.sqlclient.Pool source, io.vertx.sqlclient.Pool target, long total, Consumer<String> progress) {
      this.source = source;
      this.target = target;
      this.total = total;
      this.progress = progress;
      this.reader = new JournalReader(source);
    }

    /** Copies the next batch of the feed in one transaction of the target, then the one after it. */
    Future<Copy> next(FeedPosition after) {
      return reader.feed(after, BATCH).compose(events -> {
        if (events.isEmpty()) {
          progress.accept(line());
          return Future.succeededFuture(this);
        }
        List<RecordedEvent> rewritten = new ArrayList<>(events.size());
        Map<String, List<NewEvent>> byStream = new LinkedHashMap<>();
        Map<String, Long> firstSeq = new HashMap<>();
        for (FeedEvent feed : events) {
          RecordedEvent current = StoredForm.current(feed.event());
          rewritten.add(current);
          String poolId = current.streamId();
          pools.put(poolId, PoolDecider.evolve(pools.get(poolId), StoredForm.decode(current)));
          byStream.computeIfAbsent(poolId, id -> new ArrayList<>())
              .add(new NewEvent(current.type(), current.payload()));
          firstSeq.putIfAbsent(poolId, current.seq());
        }
        List<StreamAppend> appends = new ArrayList<>(byStream.size());
        byStream.forEach((poolId, stream) -> appends.add(new StreamAppend(poolId, firstSeq.get(poolId) - 1, stream,
            pools.get(poolId))));
        return target.withTransaction(conn -> JournalCopy.insert(conn, rewritten)
                .compose(inserted -> view.apply(conn, appends)))
            .compose(written -> {
              copied += events.size();
              if (System.nanoTime() - lastProgress >= PROGRESS_NANOS) {
                lastProgress = System.nanoTime();
                progress.accept(line());
              }
              return next(events.getLast().position());
            });
      });
    }

    private String line() {
      double seconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
      long percent = total == 0 ? 100 : Math.min(100, 100 * copied / total);
      return String.format("copied %,d of %,d events (%d%%), %,d pools, %,.0f events/s", copied, total, percent,
          pools.size(), copied / seconds);
    }

    /** Counts, types, every pool against a replay of the original, and the audit over the copy. */
    Future<Result> verify() {
      List<String> problems = new ArrayList<>();
      progress.accept("verifying: counts");
      return JournalCopy.count(source).compose(now -> JournalCopy.count(target).map(inCopy -> {
        if (now != total) {
          problems.add("the original journal changed during the copy (" + total + " events, now " + now
              + "); stop every node and copy again");
        }
        if (inCopy != copied || copied != total) {
          problems.add("the copy holds " + inCopy + " events, the original " + total);
        }
        return null;
      })).compose(counted -> {
        progress.accept("verifying: every pool of the copy against a replay of the original");
        return Future.all(Replay.of(new JournalReader(source)), Replay.of(new JournalReader(target)));
      }).map(both -> {
        Replay original = both.resultAt(0);
        Replay copy = both.resultAt(1);
        problems.addAll(copy.notCurrent);
        problems.addAll(original.unreadable);
        problems.addAll(copy.unreadable);
        for (Map.Entry<String, Pool> pool : original.pools.entrySet()) {
          Pool copied = copy.pools.get(pool.getKey());
          if (!Objects.equals(pool.getValue(), copied)) {
            problems.add(pool.getKey() + ": the copy replays to " + copied + ", the original to " + pool.getValue());
          }
          if (!Objects.equals(original.seqs.get(pool.getKey()), copy.seqs.get(pool.getKey()))) {
            problems.add(pool.getKey() + ": the copy ends at seq " + copy.seqs.get(pool.getKey())
                + ", the original at " + original.seqs.get(pool.getKey()));
          }
        }
        copy.pools.keySet().stream().filter(poolId -> !original.pools.containsKey(poolId))
            .forEach(poolId -> problems.add(poolId + ": in the copy but not in the original"));
        return null;
      }).compose(compared -> {
        progress.accept("verifying: the audit over the copy");
        return Audit.run(target);
      }).map(audit -> {
        audit.problems().forEach(problem -> problems.add("audit of the copy: " + problem));
        return new Result(copied, pools.size(), problems);
      });
    }
  }

  /** Every pool of a journal replayed from its first event, one stream after the other. */
  private static final class Replay {
    final Map<String, Pool> pools = new HashMap<>();
    final Map<String, Long> seqs = new HashMap<>();
    final List<String> notCurrent = new ArrayList<>();
    final List<String> unreadable = new ArrayList<>();
    private final JournalReader reader;

    private Replay(JournalReader reader) {
      this.reader = reader;
    }

    static Future<Replay> of(JournalReader reader) {
      Replay replay = new Replay(reader);
      return replay.page("", 0).map(done -> replay);
    }

    private Future<Void> page(String afterStream, long afterSeq) {
      return reader.scan(afterStream, afterSeq, 5_000).compose(events -> {
        for (RecordedEvent event : events) {
          if (!StoredForm.isCurrent(event.type()) && notCurrent.size() < 10) {
            notCurrent.add(event.streamId() + ": event " + event.seq() + " of the copy is a " + event.type());
          }
          try {
            pools.put(event.streamId(), PoolDecider.evolve(pools.get(event.streamId()), StoredForm.decode(event)));
            seqs.put(event.streamId(), event.seq());
          } catch (RuntimeException e) {
            unreadable.add(event.streamId() + ": event " + event.seq() + " is unreadable: " + e.getMessage());
          }
        }
        return events.size() < 5_000 ? Future.succeededFuture()
            : page(events.getLast().streamId(), events.getLast().seq());
      });
    }
  }
}
