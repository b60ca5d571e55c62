package io.tally.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The journal the first release wrote, kept under {@code fixtures/journal-v1} (how it was made is in its
 * {@code capture.sh}): its rows exactly as stored, and what that release answered for each pool.
 */
public final class FirstReleaseJournal {

  private static final String FIXTURE = "/fixtures/journal-v1/";

  private FirstReleaseJournal() {
  }

  /** Every event row, in feed order: streamId, seq, type, payload and metadata as stored text, recordedAt. */
  public static List<JsonObject> events() {
    return objects("events.json");
  }

  /** What the first release answered to {@code GET /pools/{id}} for each pool once the fixture was written. */
  public static List<JsonObject> answered() {
    return objects("pools.json");
  }

  public static List<JsonObject> snapshots() {
    return objects("snapshots.json");
  }

  /** Inserts the fixture into a migrated, empty database. */
  public static void insert(String url) throws Exception {
    try (Connection conn = TestDatabase.connect(url)) {
      conn.setAutoCommit(false);
      try (PreparedStatement insert = conn.prepareStatement("INSERT INTO events (stream_id, seq, type, payload, "
          + "metadata, recorded_at) VALUES (?, ?, ?, ?::jsonb, ?::jsonb, ?::timestamptz)")) {
        for (JsonObject row : events()) {
          insert.setString(1, row.getString("streamId"));
          insert.setLong(2, row.getLong("seq"));
          insert.setString(3, row.getString("type"));
          insert.setString(4, row.getString("payload"));
          insert.setString(5, row.getString("metadata"));
          insert.setString(6, row.getString("recordedAt"));
          insert.addBatch();
        }
        insert.executeBatch();
      }
      try (PreparedStatement insert = conn.prepareStatement("INSERT INTO snapshots (stream_id, seq, state, taken_at) "
          + "VALUES (?, ?, ?::jsonb, ?::timestamptz)")) {
        List<JsonObject> snapshots = new ArrayList<>(objects("snapshots.json"));
        snapshots.addAll(objects("stale-snapshot.json"));
        for (JsonObject row : snapshots) {
          insert.setString(1, row.getString("streamId"));
          insert.setLong(2, row.getLong("seq"));
          insert.setString(3, row.getString("state"));
          insert.setString(4, row.getString("takenAt"));
          insert.addBatch();
        }
        insert.executeBatch();
      }
      try (PreparedStatement insert = conn.prepareStatement("INSERT INTO pool_view (pool_id, seq, capacity, "
          + "reserved, status, slot_start, slot_end, regions) VALUES (?, ?, ?, ?, ?, ?::timestamptz, "
          + "?::timestamptz, ?::text[])")) {
        for (JsonObject row : objects("pool_view.json")) {
          insert.setString(1, row.getString("poolId"));
          insert.setLong(2, row.getLong("seq"));
          insert.setInt(3, row.getInteger("capacity"));
          insert.setLong(4, row.getLong("reserved"));
          insert.setString(5, row.getString("status"));
          insert.setString(6, row.getString("slotStart"));
          insert.setString(7, row.getString("slotEnd"));
          insert.setString(8, row.getJsonArray("regions").stream().map(String.class::cast)
              .collect(Collectors.joining(",", "{", "}")));
          insert.addBatch();
        }
        insert.executeBatch();
      }
      conn.commit();
    }
  }

  public static List<JsonObject> objects(String file) {
    try (InputStream in = FirstReleaseJournal.class.getResourceAsStream(FIXTURE + file)) {
      if (in == null) {
        throw new IllegalStateException("no fixture " + FIXTURE + file);
      }
      return new JsonArray(new String(in.readAllBytes(), StandardCharsets.UTF_8)).stream()
          .map(JsonObject.class::cast).toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
