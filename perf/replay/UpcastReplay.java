import io.tally.contract.StoredForm;
import io.tally.journal.NewEvent;
import io.tally.pool.Channel;
import io.tally.pool.Pool;
import io.tally.pool.PoolDecider;
import io.tally.pool.PoolEvent;
import io.tally.pool.Slot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What an upcaster costs a replay. The same histories are stored three ways:
 * <ul>
 *   <li>as the first release wrote them (capacity.reserved.v1 and reservation.released.v1, read through the
 *       upcaster chain);
 *   <li>as v2 rows holding the same facts (region and channel null, read directly);
 *   <li>as v2 rows that name a region and channel.
 * </ul>
 * Each row is decoded from its stored JSON and replayed through evolve, as a pool's load does once its rows
 * arrive from PostgreSQL. After a warm-up the rounds rotate the order of the forms; the medians and their ratios
 * come from the same run.
 *
 *   java -cp target/tally.jar perf/replay/UpcastReplay.java [pools] [eventsPerPool] [rounds]
 */
public final class UpcastReplay {

  record Row(String type, String payload) {
  }

  public static void main(String[] args) {
    int pools = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int perPool = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 9;
    List<List<List<Row>>> forms = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (int p = 0; p < pools; p++) {
      List<Row> v1 = history("pool-" + p, perPool, false);
      forms.get(0).add(v1);
      forms.get(1).add(v1.stream().map(UpcastReplay::sameFactsInV2).toList());
      forms.get(2).add(history("pool-" + p, perPool, true));
    }
    long events = (long) pools * perPool;
    for (int warm = 0; warm < 3; warm++) {
      forms.forEach(UpcastReplay::replay);
    }
    double[][] rates = new double[3][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < 3; k++) {
        int form = (r + k) % 3;
        rates[form][r] = events / seconds(forms.get(form));
      }
    }
    double upcast = median(rates[0]);
    double direct = median(rates[1]);
    double named = median(rates[2]);
    System.out.printf("replay of %,d events (%d pools x %d) decoded from stored JSON, median of %d rounds:%n", events,
        pools, perPool, rounds);
    System.out.printf("  v1 rows through the upcaster:          %,.0f events/s%n", upcast);
    System.out.printf("  v2 rows, the same facts, read directly: %,.0f events/s%n", direct);
    System.out.printf("  v2 rows naming region and channel:      %,.0f events/s%n", named);
    System.out.printf("  upcast / direct: %.2f%n", upcast / direct);
  }

  /** The v2 row the upcaster makes of a v1 reservation or release: region and channel stored as null. */
  private static Row sameFactsInV2(Row v1) {
    String open = v1.payload().substring(0, v1.payload().length() - 1);
    return switch (v1.type()) {
      case "capacity.reserved.v1" -> new Row(StoredForm.CAPACITY_RESERVED, open + ",\"region\":null,\"channel\":null}");
      case "reservation.released.v1" -> new Row(StoredForm.RESERVATION_RELEASED, open + ",\"region\":null}");
      default -> v1;
    };
  }

  /** A pool's history: its definition, then reservations and releases of the oldest live one, as stored rows. */
  private static List<Row> history(String poolId, int length, boolean v2) {
    Instant start = Instant.parse("2026-12-10T08:00:00Z");
    List<Row> rows = new ArrayList<>(length);
    rows.add(row(new PoolEvent.PoolDefined(poolId, 1_000_000, new Slot(start, start.plusSeconds(7200)),
        List.of("SW1A", "N1"))));
    long issued = 0;
    long released = 0;
    while (rows.size() < length) {
      if (rows.size() % 3 == 0 && released < issued) {
        released++;
        String id = poolId + "~" + released;
        rows.add(row(v2 ? new PoolEvent.ReservationReleased(id, 2, "SW1A") : new PoolEvent.ReservationReleased(id, 2)));
      } else {
        issued++;
        String id = poolId + "~" + issued;
        rows.add(row(v2 ? new PoolEvent.CapacityReserved(id, "order-" + issued, 2, "SW1A", Channel.DELIVERY)
            : new PoolEvent.CapacityReserved(id, "order-" + issued, 2)));
      }
    }
    return rows;
  }

  private static Row row(PoolEvent event) {
    NewEvent stored = StoredForm.encode(event);
    return new Row(stored.type(), stored.payload());
  }

  private static double seconds(List<List<Row>> histories) {
    long started = System.nanoTime();
    long check = replay(histories);
    double elapsed = (System.nanoTime() - started) / 1e9;
    if (check <= 0) {
      throw new IllegalStateException("nothing replayed");
    }
    return elapsed;
  }

  private static long replay(List<List<Row>> histories) {
    long issued = 0;
    for (List<Row> history : histories) {
      Pool pool = null;
      for (Row row : history) {
        pool = PoolDecider.evolve(pool, StoredForm.decode(row.type(), row.payload()));
      }
      issued += pool.reservationsIssued();
    }
    return issued;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
