package io.tally.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.journal.NewEvent;
import io.tally.journal.RecordedEvent;
import io.tally.pool.Channel;
import io.tally.pool.Pool;
import io.tally.pool.PoolDecider;
import io.tally.pool.PoolEvent.CapacityChanged;
import io.tally.pool.PoolEvent.CapacityReserved;
import io.tally.pool.PoolEvent.HoldCancelled;
import io.tally.pool.PoolEvent.HoldConfirmed;
import io.tally.pool.PoolEvent.HoldExpired;
import io.tally.pool.PoolEvent.HoldExtended;
import io.tally.pool.PoolEvent.HoldPlaced;
import io.tally.pool.PoolEvent.PoolClosed;
import io.tally.pool.PoolEvent.PoolDefined;
import io.tally.pool.PoolEvent.PoolReopened;
import io.tally.pool.PoolEvent.PoolReset;
import io.tally.pool.PoolEvent.ReservationReleased;
import io.tally.pool.PoolEvent;
import io.tally.pool.PoolStatus;
import io.tally.pool.Reservation;
import io.tally.pool.Slot;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The journal's schema: event type names and payloads as rows store them, and the snapshot format. The fixtures
 * under {@code fixtures/} are rows in their stored form; a change that cannot read them breaks existing journals.
 */
class StoredFormTest {

  private static final String POOL = "depot-7:vans";
  private static final Slot SLOT = new Slot(Instant.parse("2026-12-01T10:00:00Z"),
      Instant.parse("2026-12-01T12:00:00Z"));
  private static final List<String> REGIONS = List.of("SW1A 1", "SW1A 2");

  /** The events of {@code fixtures/events-v1.jsonl}, line by line: rows as the first release wrote them. */
  private static final List<PoolEvent> FIXTURE_EVENTS = List.of(
      new PoolDefined(POOL, 40, SLOT, REGIONS),
      new CapacityReserved(POOL + "~1", "order-1001", 3),
      new CapacityChanged(35),
      new PoolClosed(),
      new ReservationReleased(POOL + "~1", 3),
      new PoolReopened());

  /** The events of {@code fixtures/events-v2.jsonl}: reservations that know their region or channel. */
  private static final List<PoolEvent> FIXTURE_V2_EVENTS = List.of(
      new CapacityReserved(POOL + "~2", "order-1002", 2, "SW1A 2", Channel.DELIVERY),
      new CapacityReserved(POOL + "~3", "order-1003", 1, null, Channel.PICKUP),
      new ReservationReleased(POOL + "~2", 2, "SW1A 2"));

  private static final String PICKERS = "depot-7:pickers";
  private static final Instant AT = Instant.parse("2026-12-01T07:00:00Z");

  /** The events of {@code fixtures/events-v3.jsonl}: a pool with a cut-off, and holds that ended every way. */
  private static final List<PoolEvent> FIXTURE_V3_EVENTS = List.of(
      new PoolDefined(PICKERS, 12, SLOT, List.of("SW1A 1"), Instant.parse("2026-12-01T08:00:00Z")),
      new HoldPlaced(PICKERS + "~1", "order-2001", 2, "SW1A 1", Channel.DELIVERY, AT, AT.plusSeconds(600)),
      new HoldExtended(PICKERS + "~1", AT.plusSeconds(1200)),
      new HoldConfirmed(PICKERS + "~1", "order-2001", 2, "SW1A 1", Channel.DELIVERY),
      new HoldPlaced(PICKERS + "~2", "order-2002", 1, null, null, AT.plusSeconds(60), AT.plusSeconds(660)),
      new HoldCancelled(PICKERS + "~2", 1, null),
      new HoldPlaced(PICKERS + "~3", "order-2003", 3, "SW1A 1", null, AT.plusSeconds(120), AT.plusSeconds(720)),
      new HoldExpired(PICKERS + "~3", 3, "SW1A 1", AT.plusSeconds(720)),
      new HoldPlaced(PICKERS + "~4", "order-2004", 1, null, Channel.PICKUP, AT.plusSeconds(180),
          AT.plusSeconds(780)));

  /** The events of {@code fixtures/events-v4.jsonl}: a reset. */
  private static final List<PoolEvent> FIXTURE_V4_EVENTS = List.of(
      new PoolReset(AT.plusSeconds(150), 7, "van 3 off the road until 10:00", 10, PoolStatus.OPEN,
          List.of(new PoolReset.Claim(PICKERS + "~5", "order-2005", 2, "SW1A 1", Channel.DELIVERY)),
          List.of(new PoolReset.Claim(PICKERS + "~6", "order-2006", 1, null, null)),
          List.of(new PoolReset.Claim(PICKERS + "~4", "order-2004", 1, null, Channel.PICKUP))));

  private record Row(String type, JsonObject payload) {
  }

  private static String resource(String path) {
    try (InputStream in = StoredFormTest.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Row> fixtureRows() {
    return rows("fixtures/events-v1.jsonl");
  }

  private static List<Row> rows(String path) {
    return resource(path).lines()
        .filter(line -> !line.isBlank())
        .map(JsonObject::new)
        .map(row -> new Row(row.getString("type"), row.getJsonObject("payload")))
        .toList();
  }

  @Test
  void storedRowsDecodeToTheirEvents() {
    List<PoolEvent> decoded = fixtureRows().stream()
        .map(row -> StoredForm.decode(row.type(), row.payload().encode()))
        .toList();
    assertEquals(FIXTURE_EVENTS, decoded);
  }

  @Test
  void storedV2RowsDecodeToTheirEvents() {
    List<PoolEvent> decoded = rows("fixtures/events-v2.jsonl").stream()
        .map(row -> StoredForm.decode(row.type(), row.payload().encode()))
        .toList();
    assertEquals(FIXTURE_V2_EVENTS, decoded);
  }

  @Test
  void storedV3RowsDecodeToTheirEvents() {
    List<PoolEvent> decoded = rows("fixtures/events-v3.jsonl").stream()
        .map(row -> StoredForm.decode(row.type(), row.payload().encode()))
        .toList();
    assertEquals(FIXTURE_V3_EVENTS, decoded);
  }

  @Test
  void storedV4RowsDecodeToTheirEvents() {
    List<PoolEvent> decoded = rows("fixtures/events-v4.jsonl").stream()
        .map(row -> StoredForm.decode(row.type(), row.payload().encode()))
        .toList();
    assertEquals(FIXTURE_V4_EVENTS, decoded);
  }

  @Test
  void theFixturesHoldARowOfEveryStoredType() {
    Set<String> fixtureTypes = Stream.of("fixtures/events-v1.jsonl", "fixtures/events-v2.jsonl",
            "fixtures/events-v3.jsonl", "fixtures/events-v4.jsonl")
        .flatMap(path -> rows(path).stream())
        .map(Row::type).collect(Collectors.toSet());
    assertEquals(Set.copyOf(StoredForm.eventTypes()), fixtureTypes);
    assertEquals(StoredForm.eventTypes().size(), Set.copyOf(StoredForm.eventTypes()).size(),
        "a type name is listed twice");
  }

  @Test
  void eventsAreWrittenExactlyAsTheStoredRows() {
    List<Row> rows = fixtureRows();
    for (int i = 0; i < rows.size(); i++) {
      NewEvent encoded = StoredForm.encode(FIXTURE_EVENTS.get(i));
      assertEquals(rows.get(i).type(), encoded.type());
      assertEquals(rows.get(i).payload(), new JsonObject(encoded.payload()), encoded.type());
    }
    List<Row> v2 = rows("fixtures/events-v2.jsonl");
    for (int i = 0; i < v2.size(); i++) {
      NewEvent encoded = StoredForm.encode(FIXTURE_V2_EVENTS.get(i));
      assertEquals(v2.get(i).type(), encoded.type());
      assertEquals(v2.get(i).payload(), new JsonObject(encoded.payload()), encoded.type());
    }
    List<Row> v3 = rows("fixtures/events-v3.jsonl");
    for (int i = 0; i < v3.size(); i++) {
      NewEvent encoded = StoredForm.encode(FIXTURE_V3_EVENTS.get(i));
      assertEquals(v3.get(i).type(), encoded.type());
      assertEquals(v3.get(i).payload(), new JsonObject(encoded.payload()), encoded.type());
    }
    List<Row> v4 = rows("fixtures/events-v4.jsonl");
    for (int i = 0; i < v4.size(); i++) {
      NewEvent encoded = StoredForm.encode(FIXTURE_V4_EVENTS.get(i));
      assertEquals(v4.get(i).type(), encoded.type());
      assertEquals(v4.get(i).payload(), new JsonObject(encoded.payload()), encoded.type());
    }
  }

  @Test
  void aFactTheFirstVersionHoldsIsStillWrittenInIt() {
    // so that a node of the previous release can replay the pool during a rolling upgrade
    assertEquals("capacity.reserved.v1", StoredForm.encode(new CapacityReserved("p~1", "o", 1)).type());
    assertEquals("reservation.released.v1", StoredForm.encode(new ReservationReleased("p~1", 1)).type());
    assertEquals("capacity.reserved.v2",
        StoredForm.encode(new CapacityReserved("p~1", "o", 1, "A", null)).type());
    assertEquals("capacity.reserved.v2",
        StoredForm.encode(new CapacityReserved("p~1", "o", 1, null, Channel.PICKUP)).type());
    assertEquals("reservation.released.v2", StoredForm.encode(new ReservationReleased("p~1", 1, "A")).type());
  }

  @Test
  void typeNamesAreStableVersionedStrings() {
    assertEquals(Map.of(
            PoolDefined.class, "pool.defined.v1",
            CapacityChanged.class, "capacity.changed.v1",
            PoolClosed.class, "pool.closed.v1",
            PoolReopened.class, "pool.reopened.v1",
            CapacityReserved.class, "capacity.reserved.v1",
            ReservationReleased.class, "reservation.released.v1"),
        FIXTURE_EVENTS.stream().collect(Collectors.toMap(Object::getClass, event -> StoredForm.encode(event).type())));
  }

  static Stream<PoolEvent> eventsOfEveryType() {
    return Stream.of(
        new PoolDefined("p", 0, SLOT, List.of("A")),
        new PoolDefined("london.east:bikes", 1_000_000_000, new Slot(Instant.parse("2026-12-01T10:00:00.123456789Z"),
            Instant.parse("2026-12-02T00:00:00Z")), List.of("E1 6", "E1 7", "région \"ouest\"", "注文")),
        new CapacityChanged(0),
        new CapacityChanged(7),
        new PoolClosed(),
        new PoolReopened(),
        new CapacityReserved("p~1", "order 1001", 10_000),
        new CapacityReserved("p~987654321", "o\"quoted\"\\slash", 1),
        new CapacityReserved("p~2", "o2", 2, "région \"ouest\"", Channel.DELIVERY),
        new CapacityReserved("p~3", "o3", 3, "A", null),
        new CapacityReserved("p~4", "o4", 4, null, Channel.PICKUP),
        new ReservationReleased("p~1", 10_000),
        new ReservationReleased("p~2", 2, "注文"),
        new PoolDefined("p", 3, SLOT, List.of("A"), Instant.parse("2026-12-01T09:59:59.5Z")),
        new HoldPlaced("p~5", "o5", 5, "A", Channel.PICKUP, AT, AT.plusSeconds(3600)),
        new HoldPlaced("p~6", "o6", 1, null, null, AT.plusNanos(1), AT.plusSeconds(1)),
        new HoldExtended("p~5", AT.plusSeconds(1800)),
        new HoldConfirmed("p~5", "o5", 5, "A", Channel.PICKUP),
        new HoldConfirmed("p~6", "o6", 1, null, null),
        new HoldCancelled("p~7", 2, "A"),
        new HoldExpired("p~8", 3, null, AT),
        new PoolReset(AT.plusNanos(123_456_789), 0, "r\u00e9gion \"ouest\" closed", 0, PoolStatus.CLOSED, List.of(),
            List.of(), List.of()),
        new PoolReset(AT, 42, "wrong capacity entered", 7, PoolStatus.OPEN,
            List.of(new PoolReset.Claim("p~9", "o9", 2, "A", Channel.PICKUP),
                new PoolReset.Claim("p~10", "o10", 1, null, null)),
            List.of(new PoolReset.Claim("p~3", "o3", 3, "A", null)),
            List.of(new PoolReset.Claim("p~11", "o11", 1, null, Channel.DELIVERY))));
  }

  @ParameterizedTest
  @MethodSource("eventsOfEveryType")
  void anEncodedEventDecodesToItself(PoolEvent event) {
    NewEvent encoded = StoredForm.encode(event);
    assertEquals(event, StoredForm.decode(encoded.type(), encoded.payload()));
    assertEquals(event, StoredForm.decode(new RecordedEvent(POOL, 1, encoded.type(), encoded.payload(), "{}",
        OffsetDateTime.parse("2026-11-30T09:00:00Z"))));
  }

  @Test
  void everyTypeIsCoveredByTheRoundTrip() {
    Set<String> types = eventsOfEveryType().map(event -> StoredForm.encode(event).type()).collect(Collectors.toSet());
    assertEquals(Set.copyOf(StoredForm.eventTypes()), types);
  }

  @Test
  void anUnknownTypeFailsNamingTheType() {
    UnreadableEvent failure = assertThrows(UnreadableEvent.class,
        () -> StoredForm.decode("capacity.reserved.v0", "{\"reservationId\":\"p~1\",\"orderId\":\"o\",\"units\":1}"));
    assertTrue(failure.getMessage().contains("capacity.reserved.v0"), failure.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "capacity.reserved.v1 | {\"reservationId\":\"p~1\"}",
      "capacity.reserved.v1 | {\"reservationId\":\"p~1\",\"orderId\":\"o\",\"units\":\"1\"}",
      "capacity.changed.v1 | {}",
      "capacity.changed.v1 | {\"capacity\":1.5}",
      "pool.defined.v1 | {\"poolId\":\"p\",\"capacity\":1,\"regions\":[\"A\"]}",
      "reservation.released.v1 | {\"reservationId\":null,\"units\":1}",
      "capacity.reserved.v2 | {\"reservationId\":\"p~1\",\"orderId\":\"o\",\"units\":1,\"region\":\"A\"}",
      "capacity.reserved.v2 | {\"reservationId\":\"p~1\",\"orderId\":\"o\",\"units\":1,\"region\":1,\"channel\":null}",
      "capacity.reserved.v2 | {\"reservationId\":\"p~1\",\"orderId\":\"o\",\"units\":1,\"region\":null,"
          + "\"channel\":\"van\"}",
      "reservation.released.v2 | {\"reservationId\":\"p~1\",\"units\":1}",
      "pool.closed.v1 | []",
      "pool.reset.v1 | {\"at\":\"2026-12-01T07:00:00Z\",\"asOfSeq\":1,\"reason\":\"r\",\"capacity\":1,"
          + "\"status\":\"ajar\",\"voided\":[],\"restored\":[],\"cancelledHolds\":[]}",
      "pool.reset.v1 | {\"at\":\"2026-12-01T07:00:00Z\",\"asOfSeq\":1,\"reason\":\"r\",\"capacity\":1,"
          + "\"status\":\"open\",\"voided\":{},\"restored\":[],\"cancelledHolds\":[]}",
      "pool.reset.v1 | {\"at\":\"2026-12-01T07:00:00Z\",\"asOfSeq\":1,\"reason\":\"r\",\"capacity\":1,"
          + "\"status\":\"open\",\"voided\":[{\"id\":\"p~1\",\"orderId\":\"o\",\"units\":1}],"
          + "\"restored\":[],\"cancelledHolds\":[]}"})
  void aDamagedRowFailsInsteadOfReplayingAsADifferentFact(String type, String payload) {
    assertThrows(IllegalStateException.class, () -> StoredForm.decode(type, payload));
  }

  /** Three reservations, the middle one released, capacity lowered, then closed: the last number stays issued. */
  private static final List<PoolEvent> SNAPSHOT_HISTORY = List.of(
      new PoolDefined(POOL, 40, SLOT, REGIONS),
      new CapacityReserved(POOL + "~1", "order-1001", 3),
      new CapacityReserved(POOL + "~2", "order-1002", 2),
      new CapacityReserved(POOL + "~3", "order-1003", 1),
      new ReservationReleased(POOL + "~2", 2),
      new CapacityChanged(35),
      new PoolClosed());

  @Test
  void aRestoredSnapshotEqualsThePoolItWasTakenFrom() {
    Pool pool = PoolDecider.replay(null, SNAPSHOT_HISTORY);
    Pool restored = StoredForm.restore(StoredForm.snapshot(pool));
    assertEquals(pool, restored);
    assertEquals(4, restored.reserved());
    assertEquals(3, restored.reservationsIssued());
    assertEquals(PoolStatus.CLOSED, restored.status());
    assertEquals(Optional.of(new Reservation(POOL + "~3", "order-1003", 1)), restored.reservationOf("order-1003"));
    assertEquals(Optional.empty(), restored.reservationOf("order-1002"));
  }

  @Test
  void aRestoredSnapshotOfANewPoolEqualsIt() {
    Pool pool = PoolDecider.evolve(null, new PoolDefined("p", 5, SLOT, List.of("A")));
    assertEquals(pool, StoredForm.restore(StoredForm.snapshot(pool)));
  }

  @Test
  void aReleaseAfterTheLastReservationWasReleasedKeepsTheIssuedCount() {
    List<PoolEvent> history = List.of(
        new PoolDefined("p", 5, SLOT, List.of("A")),
        new CapacityReserved("p~1", "o1", 1),
        new CapacityReserved("p~2", "o2", 1),
        new ReservationReleased("p~2", 1),
        new ReservationReleased("p~1", 1));
    Pool restored = StoredForm.restore(StoredForm.snapshot(PoolDecider.replay(null, history)));
    assertEquals(2, restored.reservationsIssued());
    assertEquals(0, restored.reserved());
    assertTrue(restored.reservations().isEmpty());
  }

  /** The history behind {@code fixtures/snapshot-v2.json}: one reservation of unknown region, two that say more. */
  private static final List<PoolEvent> SNAPSHOT_V2_HISTORY = List.of(
      new PoolDefined(POOL, 40, SLOT, REGIONS),
      new CapacityReserved(POOL + "~1", "order-1001", 3),
      new CapacityReserved(POOL + "~2", "order-1002", 2, "SW1A 2", Channel.DELIVERY),
      new CapacityReserved(POOL + "~3", "order-1003", 1, "SW1A 1", Channel.PICKUP),
      new CapacityReserved(POOL + "~4", "order-1004", 2, "SW1A 2", null),
      new ReservationReleased(POOL + "~2", 2, "SW1A 2"),
      new CapacityChanged(35),
      new PoolClosed());

  @Test
  void aStoredSnapshotRestoresThePoolItsHistoryBuilds() {
    assertEquals(PoolDecider.replay(null, SNAPSHOT_V2_HISTORY),
        StoredForm.restore(resource("fixtures/snapshot-v2.json")));
  }

  @Test
  void aSnapshotKeepsEachReservationsRegionAndChannel() {
    Pool pool = PoolDecider.replay(null, SNAPSHOT_V2_HISTORY);
    Pool restored = StoredForm.restore(StoredForm.snapshot(pool));
    assertEquals(pool, restored);
    assertEquals(Optional.of(new Reservation(POOL + "~3", "order-1003", 1, "SW1A 1", Channel.PICKUP)),
        restored.reservationOf("order-1003"));
    assertEquals(Optional.of(new Reservation(POOL + "~4", "order-1004", 2, "SW1A 2", null)),
        restored.reservationOf("order-1004"));
    assertEquals(Optional.of(new Reservation(POOL + "~1", "order-1001", 3)), restored.reservationOf("order-1001"));
  }

  /** The history behind {@code fixtures/snapshot-v3.json}: a cut-off, a live hold, a confirmed, an expired one. */
  private static final List<PoolEvent> SNAPSHOT_V3_HISTORY = List.of(
      new PoolDefined(POOL, 40, SLOT, REGIONS, Instant.parse("2026-12-01T08:00:00Z")),
      new CapacityReserved(POOL + "~1", "order-1001", 3),
      new HoldPlaced(POOL + "~2", "order-1002", 2, "SW1A 2", Channel.DELIVERY, AT, AT.plusSeconds(600)),
      new HoldPlaced(POOL + "~3", "order-1003", 1, null, null, AT, AT.plusSeconds(600)),
      new HoldPlaced(POOL + "~4", "order-1004", 4, "SW1A 1", null, AT, AT.plusSeconds(300)),
      new HoldPlaced(POOL + "~5", "order-1005", 1, null, Channel.PICKUP, AT, AT.plusSeconds(300)),
      new HoldConfirmed(POOL + "~3", "order-1003", 1, null, null),
      new HoldExpired(POOL + "~4", 4, "SW1A 1", AT.plusSeconds(300)),
      new HoldCancelled(POOL + "~5", 1, null));

  @Test
  void aSnapshotKeepsTheCutoffTheHoldsAndHowHoldsEnded() {
    Pool pool = PoolDecider.replay(null, SNAPSHOT_V3_HISTORY);
    Pool restored = StoredForm.restore(StoredForm.snapshot(pool));
    assertEquals(pool, restored);
    assertEquals(2, restored.held());
    assertEquals(4, restored.reserved());
    assertEquals(pool, StoredForm.restore(resource("fixtures/snapshot-v3.json")));
  }

  @Test
  void aPoolWithoutCutoffOrHoldsIsStillSnapshotInTheStateVersionThePreviousReleaseReads() {
    assertEquals(2, new JsonObject(StoredForm.snapshot(PoolDecider.replay(null, SNAPSHOT_V2_HISTORY))).getInteger("v"));
    assertEquals(3, new JsonObject(StoredForm.snapshot(PoolDecider.replay(null, SNAPSHOT_V3_HISTORY))).getInteger("v"));
  }

  @Test
  void onlyASnapshotOfAStateVersionThisReleaseWritesIsReadable() {
    JsonObject current = new JsonObject(StoredForm.snapshot(PoolDecider.replay(null, SNAPSHOT_V3_HISTORY)));

    assertTrue(StoredForm.readable(current.encode()));
    assertTrue(StoredForm.readable(resource("fixtures/snapshot-v2.json")));
    assertFalse(StoredForm.readable(resource("fixtures/snapshot-v1.json")), "the first release's");
    assertFalse(StoredForm.readable(current.copy().put("v", 4).encode()), "a newer release's");
    assertFalse(StoredForm.readable(current.copy().put("v", 1).encode()), "an older one's");
    assertFalse(StoredForm.readable(current.copy().put("v", "1").encode()), "a version that is not a number");
    JsonObject unversioned = current.copy();
    unversioned.remove("v");
    assertFalse(StoredForm.readable(unversioned.encode()));
  }

  @Test
  void aSnapshotOfAnUnknownVersionIsRefused() {
    String future = new JsonObject(StoredForm.snapshot(PoolDecider.replay(null, SNAPSHOT_HISTORY))).put("v", 4)
        .encode();
    IllegalStateException failure = assertThrows(IllegalStateException.class, () -> StoredForm.restore(future));
    assertTrue(failure.getMessage().contains("4"), failure.getMessage());
    assertThrows(IllegalStateException.class, () -> StoredForm.restore(resource("fixtures/snapshot-v1.json")));
  }
}
