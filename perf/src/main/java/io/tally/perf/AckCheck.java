package io.tally.perf;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that every reservation a timeline run saw acknowledged is in the journal, exactly as acknowledged.
 *
 * <p>Tally promises that nothing it answered with success is lost, also when the node that answered is killed a
 * moment later or hands its shards over. Only the client knows which answers it got, so the generator keeps every
 * (orderId, reservationId) pair it was given and looks each one up here: a {@code capacity.reserved.v1} event whose
 * payload names that order and that reservation. The lookup is an anti-join in bulk, a few thousand pairs per
 * query, so it takes seconds for a run of a hundred thousand requests. It also counts what the journal holds for
 * the run's orders, which shows reservations that were committed although their client saw an error.
 */
final class AckCheck {

  private static final int CHUNK = 20_000;
  private static final int EXAMPLES = 20;
  private static final Duration LIMIT = Duration.ofMinutes(5);
  private static final String MISSING = """
      SELECT a.order_id, a.reservation_id
        FROM unnest($1::text[], $2::text[]) AS a(order_id, reservation_id)
       WHERE NOT EXISTS (SELECT 1
                           FROM events e
                          WHERE e.type = 'capacity.reserved.v1'
                            AND e.payload->>'orderId' = a.order_id
                            AND e.payload->>'reservationId' = a.reservation_id)""";
  private static final String JOURNALLED = """
      SELECT count(*) AS events, count(DISTINCT payload->>'orderId') AS orders
        FROM events
       WHERE type = 'capacity.reserved.v1'
         AND starts_with(payload->>'orderId', $1)""";

  private AckCheck() {
  }

  /**
   * What the journal says about the acknowledged reservations.
   *
   * @param acknowledged successes the client saw, each with a reservation id
   * @param missing of those, how many have no matching event
   * @param examples up to {@value #EXAMPLES} missing pairs, as {@code orderId -> reservationId}
   * @param journalledEvents reservation events in the journal for this run's orders
   * @param journalledOrders distinct orders among them
   */
  record Result(long acknowledged, long missing, List<String> examples, long journalledEvents, long journalledOrders) {
    JsonObject toJson() {
      return new JsonObject()
          .put("acknowledged", acknowledged)
          .put("missing", missing)
          .put("missingExamples", new JsonArray(examples))
          .put("journalledEvents", journalledEvents)
          .put("journalledOrders", journalledOrders)
          .put("journalledButNotAcknowledged", journalledOrders - (acknowledged - missing));
    }
  }

  static Result run(Vertx vertx, Context context, PgUrl url, Timeline.Result run) {
    List<String[]> orders = new ArrayList<>();
    List<String[]> reservations = new ArrayList<>();
    RequestLog log = run.log();
    List<String> orderChunk = new ArrayList<>();
    List<String> reservationChunk = new ArrayList<>();
    long acknowledged = 0;
    for (int i = 0; i < log.size(); i++) {
      String reservationId = log.reservationIds[i];
      if (reservationId == null || !log.ok(i)) {
        continue;
      }
      acknowledged++;
      orderChunk.add(run.orderId(i));
      reservationChunk.add(reservationId);
      if (orderChunk.size() == CHUNK) {
        orders.add(orderChunk.toArray(String[]::new));
        reservations.add(reservationChunk.toArray(String[]::new));
        orderChunk.clear();
        reservationChunk.clear();
      }
    }
    if (!orderChunk.isEmpty()) {
      orders.add(orderChunk.toArray(String[]::new));
      reservations.add(reservationChunk.toArray(String[]::new));
    }
    long total = acknowledged;
    return EventLoops.await(EventLoops.on(context, () -> PgConnection.connect(vertx, url.connectOptions())
        .compose(connection -> check(connection, orders, reservations, 0, new ArrayList<>(), new long[1])
            .compose(missing -> journalled(connection, run.orderPrefix(), total, missing))
            .eventually(connection::close))), LIMIT);
  }

  private static Future<Missing> check(SqlConnection connection, List<String[]> orders, List<String[]> reservations,
      int chunk, List<String> examples, long[] count) {
    if (chunk == orders.size()) {
      return Future.succeededFuture(new Missing(count[0], examples));
    }
    Tuple pairs = Tuple.tuple().addArrayOfString(orders.get(chunk)).addArrayOfString(reservations.get(chunk));
    return connection.preparedQuery(MISSING).execute(pairs)
        .compose(rows -> {
          for (Row row : rows) {
            count[0]++;
            if (examples.size() < EXAMPLES) {
              examples.add(row.getString("order_id") + " -> " + row.getString("reservation_id"));
            }
          }
          return check(connection, orders, reservations, chunk + 1, examples, count);
        });
  }

  /** The pairs without a matching event, carried from chunk to chunk: their number and the first few. */
  private record Missing(long count, List<String> examples) {
  }

  private static Future<Result> journalled(SqlConnection connection, String prefix, long acknowledged,
      Missing missing) {
    return connection.preparedQuery(JOURNALLED).execute(Tuple.of(prefix)).map(rows -> {
      Row row = rows.iterator().next();
      return new Result(acknowledged, missing.count(), List.copyOf(missing.examples()), row.getLong("events"),
          row.getLong("orders"));
    });
  }
}
