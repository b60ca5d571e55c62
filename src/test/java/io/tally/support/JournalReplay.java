package io.tally.support;

import io.tally.contract.StoredForm;
import io.tally.pool.Pool;
import io.tally.pool.PoolDecider;
import io.tally.pool.PoolEvent;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads a test database's journal with plain SQL and replays every pool: the truth the read side must match. */
public final class JournalReplay {

  private JournalReplay() {
  }

  /** Every pool's events, in seq order. */
  public static Map<String, List<PoolEvent>> events(String databaseUrl) throws Exception {
    Map<String, List<PoolEvent>> byPool = new LinkedHashMap<>();
    try (Connection conn = TestDatabase.connect(databaseUrl); Statement statement = conn.createStatement();
        ResultSet rows = statement.executeQuery(
            "SELECT stream_id, type, payload::text FROM events ORDER BY stream_id, seq")) {
      while (rows.next()) {
        byPool.computeIfAbsent(rows.getString(1), id -> new ArrayList<>())
            .add(StoredForm.decode(rows.getString(2), rows.getString(3)));
      }
    }
    return byPool;
  }

  /** Every pool as its whole history leaves it. */
  public static Map<String, Pool> pools(String databaseUrl) throws Exception {
    Map<String, Pool> pools = new LinkedHashMap<>();
    events(databaseUrl).forEach((id, events) -> pools.put(id, PoolDecider.replay(null, events)));
    return pools;
  }
}
