package io.tally.basket;

import io.tally.basket.BasketEvent.Opened;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Baskets' streams in PostgreSQL ({@code basket_events}), with the list of baskets not yet finished
 * ({@code open_baskets}) kept by the same transaction that records each step. Recording a step names the seq it
 * follows, and the primary key lets only one recording of a seq succeed: two coordinators of one basket (a slow
 * one and the one that recovers it) never both decide it; the one that loses reads what the other recorded.
 */
public final class BasketStore {

  private static final String UNIQUE_VIOLATION = "23505";

  private final Pool pool;

  public BasketStore(Pool pool) {
    this.pool = pool;
  }

  /** Another coordinator recorded this step of the basket first. */
  public static final class Conflict extends RuntimeException {
    Conflict(String basketId, int seq) {
      super("basket " + basketId + " already has a step " + seq, null, false, false);
    }
  }

  /** The basket, or null if none was opened with this id. */
  public Future<Basket> read(String basketId) {
    return pool.preparedQuery("SELECT basket_id, seq, type, payload::text FROM basket_events WHERE basket_id = $1"
            + " ORDER BY seq")
        .execute(Tuple.of(basketId)).map(rows -> {
          List<Basket> baskets = fold(rows);
          return baskets.isEmpty() ? null : baskets.getFirst();
        });
  }

  /** Opens a basket; fails with {@link Conflict} if one with the same id exists. */
  public Future<Basket> open(String basketId, Opened opened) {
    Basket basket = Basket.opened(basketId, opened);
    return record(basket, opened);
  }

  /** Records {@code event} as the step after {@code basket}; fails with {@link Conflict} if that step exists. */
  public Future<Basket> append(Basket basket, BasketEvent event) {
    return record(basket.then(event), event);
  }

  private Future<Basket> record(Basket after, BasketEvent event) {
    String upkeep = after.phase().finished()
        ? "DELETE FROM open_baskets WHERE basket_id = $1"
        : "INSERT INTO open_baskets (basket_id) VALUES ($1) ON CONFLICT (basket_id) DO UPDATE SET touched_at = now()";
    return pool.withTransaction(conn -> conn
            .preparedQuery("INSERT INTO basket_events (basket_id, seq, type, payload) VALUES ($1, $2, $3, $4)")
            .execute(Tuple.of(after.basketId(), after.seq(), event.type(), event.toJson()))
            .compose(inserted -> conn.preparedQuery(upkeep).execute(Tuple.of(after.basketId()))))
        .recover(failure -> Future.failedFuture(failure instanceof PgException pg
            && UNIQUE_VIOLATION.equals(pg.getSqlState()) ? new Conflict(after.basketId(), after.seq()) : failure))
        .map(done -> after);
  }

  /**
   * Baskets not finished whose last step is older than {@code idle}, by the database's clock (so that the nodes'
   * clocks need not agree), oldest first.
   */
  public Future<List<String>> idle(Duration idle, int limit) {
    return pool.preparedQuery("SELECT basket_id FROM open_baskets WHERE touched_at < now() - make_interval(secs => $1)"
            + " ORDER BY touched_at LIMIT $2")
        .execute(Tuple.of(idle.toMillis() / 1000.0, limit))
        .map(rows -> {
          List<String> ids = new ArrayList<>();
          rows.forEach(row -> ids.add(row.getString(0)));
          return ids;
        });
  }

  /** Up to {@code limit} baskets whose ids follow {@code after}, in id order: for reading every basket in pages. */
  public static Future<List<Basket>> page(SqlClient sql, String after, int limit) {
    return sql.preparedQuery("SELECT basket_id, seq, type, payload::text FROM basket_events WHERE basket_id IN ("
            + "SELECT DISTINCT basket_id FROM basket_events WHERE basket_id > $1 ORDER BY basket_id LIMIT $2)"
            + " ORDER BY basket_id, seq")
        .execute(Tuple.of(after, limit)).map(BasketStore::fold);
  }

  /** The baskets that rows of (basket_id, seq, type, payload), in basket and seq order, tell. */
  private static List<Basket> fold(RowSet<Row> rows) {
    List<Basket> baskets = new ArrayList<>();
    List<Row> stream = new ArrayList<>();
    for (Row row : rows) {
      if (!stream.isEmpty() && !stream.getFirst().getString(0).equals(row.getString(0))) {
        baskets.add(fold(stream));
        stream.clear();
      }
      stream.add(row);
    }
    if (!stream.isEmpty()) {
      baskets.add(fold(stream));
    }
    return baskets;
  }

  /** The basket one stream's rows tell. */
  private static Basket fold(List<Row> stream) {
    String basketId = stream.getFirst().getString(0);
    Basket basket = null;
    for (Row row : stream) {
      int seq = row.getInteger(1);
      BasketEvent event = BasketEvent.decode(row.getString(2), new JsonObject(row.getString(3)));
      if (basket == null) {
        if (seq != 1 || !(event instanceof Opened opened)) {
          throw new IllegalStateException("basket " + basketId + " does not start with basket.opened.v1 at seq 1");
        }
        basket = Basket.opened(basketId, opened);
      } else if (seq != basket.seq() + 1) {
        throw new IllegalStateException("basket " + basketId + ": seq " + seq + " follows seq " + basket.seq());
      } else {
        basket = basket.then(event);
      }
    }
    return basket;
  }
}
