package io.tally.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tally.journal.NewEvent;
import io.tally.journal.RecordedEvent;
import io.tally.pool.Channel;
import io.tally.pool.Hold;
import io.tally.pool.HoldOutcome;
import io.tally.pool.Ids;
import io.tally.pool.Pool;
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
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * How pools are stored: the one registry of event type names ({@code capacity.reserved.v2}, ...) with their JSON
 * payloads, and the snapshot format. Names and fields here are the journal's schema; Java class names are never
 * stored. A change to a stored shape adds a new version and an upcaster for the old one ({@link Upcasters}), never
 * an edit: every event is decoded through the upcaster chain.
 *
 * <p>An event is written in the oldest version that holds it: a reservation whose order's region and channel are
 * not known is still written as {@code capacity.reserved.v1}, so a node of the previous release can replay such a
 * pool during a rolling upgrade. Only a fact the old version cannot hold is written in the new one.
 */
public final class StoredForm {

  public static final String POOL_DEFINED = "pool.defined.v2";
  public static final String CAPACITY_CHANGED = "capacity.changed.v1";
  public static final String POOL_CLOSED = "pool.closed.v1";
  public static final String POOL_REOPENED = "pool.reopened.v1";
  public static final String CAPACITY_RESERVED = "capacity.reserved.v2";
  public static final String RESERVATION_RELEASED = "reservation.released.v2";
  public static final String HOLD_PLACED = "hold.placed.v1";
  public static final String HOLD_EXTENDED = "hold.extended.v1";
  public static final String HOLD_CONFIRMED = "hold.confirmed.v1";
  public static final String HOLD_CANCELLED = "hold.cancelled.v1";
  public static final String HOLD_EXPIRED = "hold.expired.v1";
  public static final String POOL_RESET = "pool.reset.v1";
  /** Still written for a pool without a cut-off; read as {@link #POOL_DEFINED}. */
  public static final String POOL_DEFINED_V1 = "pool.defined.v1";
  /** Still written for a reservation whose region and channel are not known; read as {@link #CAPACITY_RESERVED}. */
  public static final String CAPACITY_RESERVED_V1 = "capacity.reserved.v1";
  /** Still written when the released reservation's region is not known; read as {@link #RESERVATION_RELEASED}. */
  public static final String RESERVATION_RELEASED_V1 = "reservation.released.v1";

  /** 3: the pool's cut-off, its live holds and how its other holds ended. */
  private static final int SNAPSHOT_VERSION = 3;
  /**
   * 2: each reservation may carry its region and channel. Still written for a pool with no cut-off and no holds, so
   * that a node of the previous release reads it; read as a state version 3 without those.
   */
  private static final int SNAPSHOT_VERSION_2 = 2;
  private static final ObjectMapper JSON = new ObjectMapper();

  private StoredForm() {
  }

  public static NewEvent encode(PoolEvent event) {
    ObjectNode payload = JSON.createObjectNode();
    String type = switch (event) {
      case PoolDefined defined -> {
        payload.put("poolId", defined.poolId());
        payload.put("capacity", defined.capacity());
        payload.set("slot", slot(defined.slot()));
        ArrayNode regions = payload.putArray("regions");
        defined.regions().forEach(regions::add);
        if (defined.cutoff() == null) {
          yield POOL_DEFINED_V1;
        }
        payload.put("cutoff", defined.cutoff().toString());
        yield POOL_DEFINED;
      }
      case CapacityChanged changed -> {
        payload.put("capacity", changed.capacity());
        yield CAPACITY_CHANGED;
      }
      case PoolClosed closed -> POOL_CLOSED;
      case PoolReopened reopened -> POOL_REOPENED;
      case CapacityReserved reserved -> {
        payload.put("reservationId", reserved.reservationId());
        payload.put("orderId", reserved.orderId());
        payload.put("units", reserved.units());
        if (reserved.region() == null && reserved.channel() == null) {
          yield CAPACITY_RESERVED_V1;
        }
        payload.put("region", reserved.region());
        payload.put("channel", reserved.channel() == null ? null : reserved.channel().wireName());
        yield CAPACITY_RESERVED;
      }
      case ReservationReleased released -> {
        payload.put("reservationId", released.reservationId());
        payload.put("units", released.units());
        if (released.region() == null) {
          yield RESERVATION_RELEASED_V1;
        }
        payload.put("region", released.region());
        yield RESERVATION_RELEASED;
      }
      case HoldPlaced placed -> {
        payload.put("holdId", placed.holdId());
        payload.put("orderId", placed.orderId());
        payload.put("units", placed.units());
        payload.put("region", placed.region());
        payload.put("channel", placed.channel() == null ? null : placed.channel().wireName());
        payload.put("placedAt", placed.placedAt().toString());
        payload.put("expiresAt", placed.expiresAt().toString());
        yield HOLD_PLACED;
      }
      case HoldExtended extended -> {
        payload.put("holdId", extended.holdId());
        payload.put("expiresAt", extended.expiresAt().toString());
        yield HOLD_EXTENDED;
      }
      case HoldConfirmed confirmed -> {
        payload.put("holdId", confirmed.holdId());
        payload.put("orderId", confirmed.orderId());
        payload.put("units", confirmed.units());
        payload.put("region", confirmed.region());
        payload.put("channel", confirmed.channel() == null ? null : confirmed.channel().wireName());
        yield HOLD_CONFIRMED;
      }
      case HoldCancelled cancelled -> {
        payload.put("holdId", cancelled.holdId());
        payload.put("units", cancelled.units());
        payload.put("region", cancelled.region());
        yield HOLD_CANCELLED;
      }
      case HoldExpired expired -> {
        payload.put("holdId", expired.holdId());
        payload.put("units", expired.units());
        payload.put("region", expired.region());
        payload.put("expiresAt", expired.expiresAt().toString());
        yield HOLD_EXPIRED;
      }
      case PoolReset reset -> {
        payload.put("at", reset.at().toString());
        payload.put("asOfSeq", reset.asOfSeq());
        payload.put("reason", reset.reason());
        payload.put("capacity", reset.capacity());
        payload.put("status", reset.status().wireName());
        claims(payload.putArray("voided"), reset.voided());
        claims(payload.putArray("restored"), reset.restored());
        claims(payload.putArray("cancelledHolds"), reset.cancelledHolds());
        yield POOL_RESET;
      }
    };
    return new NewEvent(type, write(payload));
  }

  /** @throws UnreadableEvent for a type or version this release does not read */
  public static PoolEvent decode(String type, String payload) {
    Upcasters.Current current = upcast(type, payload);
    JsonNode json = current.payload();
    return switch (current.type()) {
      case POOL_DEFINED -> new PoolDefined(text(json, "poolId"), integer(json, "capacity"),
          slot(field(json, "slot")), strings(field(json, "regions")), optionalInstant(json, "cutoff"));
      case CAPACITY_CHANGED -> new CapacityChanged(integer(json, "capacity"));
      case POOL_CLOSED -> new PoolClosed();
      case POOL_REOPENED -> new PoolReopened();
      case CAPACITY_RESERVED -> new CapacityReserved(text(json, "reservationId"),
          text(json, "orderId"), integer(json, "units"), optionalText(json, "region"), channel(json));
      case RESERVATION_RELEASED -> new ReservationReleased(text(json, "reservationId"),
          integer(json, "units"), optionalText(json, "region"));
      case HOLD_PLACED -> new HoldPlaced(text(json, "holdId"), text(json, "orderId"), integer(json, "units"),
          optionalText(json, "region"), channel(json), instant(json, "placedAt"), instant(json, "expiresAt"));
      case HOLD_EXTENDED -> new HoldExtended(text(json, "holdId"), instant(json, "expiresAt"));
      case HOLD_CONFIRMED -> new HoldConfirmed(text(json, "holdId"), text(json, "orderId"), integer(json, "units"),
          optionalText(json, "region"), channel(json));
      case HOLD_CANCELLED -> new HoldCancelled(text(json, "holdId"), integer(json, "units"),
          optionalText(json, "region"));
      case HOLD_EXPIRED -> new HoldExpired(text(json, "holdId"), integer(json, "units"), optionalText(json, "region"),
          instant(json, "expiresAt"));
      case POOL_RESET -> new PoolReset(instant(json, "at"), whole(json, "asOfSeq"), text(json, "reason"),
          integer(json, "capacity"), status(json), claims(field(json, "voided")), claims(field(json, "restored")),
          claims(field(json, "cancelledHolds")));
      default -> throw new IllegalStateException("no decoder for current type " + current.type());
    };
  }

  /** Each claim as {@code {"id","orderId","units","region","channel"}}, region and channel null when not known. */
  private static void claims(ArrayNode array, List<PoolReset.Claim> claims) {
    for (PoolReset.Claim claim : claims) {
      array.addObject().put("id", claim.id()).put("orderId", claim.orderId()).put("units", claim.units())
          .put("region", claim.region()).put("channel", claim.channel() == null ? null : claim.channel().wireName());
    }
  }

  private static List<PoolReset.Claim> claims(JsonNode array) {
    if (!array.isArray()) {
      throw new IllegalStateException("stored JSON has claims that are not an array: " + array);
    }
    List<PoolReset.Claim> claims = new ArrayList<>(array.size());
    for (JsonNode claim : array) {
      claims.add(new PoolReset.Claim(text(claim, "id"), text(claim, "orderId"), integer(claim, "units"),
          optionalText(claim, "region"), channel(claim)));
    }
    return claims;
  }

  private static PoolStatus status(JsonNode json) {
    return PoolStatus.fromWireName(text(json, "status"))
        .orElseThrow(() -> new IllegalStateException("stored JSON has an unknown status: " + json));
  }

  public static PoolEvent decode(RecordedEvent event) {
    return decode(event.type(), event.payload());
  }

  /**
   * The stored event rewritten in the current version of its type, through the upcasters; its stream, seq,
   * metadata and time of recording unchanged. For the offline copy of a journal, never for rows in place.
   *
   * @throws UnreadableEvent for a type or version this release does not read
   */
  public static RecordedEvent current(RecordedEvent event) {
    Upcasters.Current current = upcast(event.type(), event.payload());
    return new RecordedEvent(event.streamId(), event.seq(), current.type(), write(current.payload()),
        event.metadata(), event.recordedAt());
  }

  /** A stored row's payload, parsed and brought to the current version of its type. */
  private static Upcasters.Current upcast(String type, String payload) {
    if (!(read(payload) instanceof ObjectNode stored)) {
      throw new IllegalStateException("stored payload of a " + type + " is not a JSON object: " + payload);
    }
    return Upcasters.upcast(type, stored);
  }

  /** Whether events of this type are read without an upcaster: the current version of their event. */
  public static boolean isCurrent(String type) {
    return Upcasters.CURRENT.contains(type);
  }

  /**
   * A pool's state as stored in {@code snapshots.state}; reservations and holds keep only their number within the
   * pool. A pool with no cut-off and no holds, ever, is written in state version 2, which the previous release reads.
   */
  public static String snapshot(Pool pool) {
    boolean needsV3 = pool.cutoff() != null || !pool.holds().isEmpty() || !pool.endedHolds().isEmpty();
    ObjectNode state = JSON.createObjectNode();
    state.put("v", needsV3 ? SNAPSHOT_VERSION : SNAPSHOT_VERSION_2);
    state.put("poolId", pool.poolId());
    state.put("capacity", pool.capacity());
    state.put("status", pool.status().wireName());
    state.set("slot", slot(pool.slot()));
    ArrayNode regions = state.putArray("regions");
    pool.regions().forEach(regions::add);
    state.put("issued", pool.reservationsIssued());
    ArrayNode reservations = state.putArray("reservations");
    for (Reservation reservation : pool.reservations().values()) {
      // [number, orderId, units] then, only when known, region and channel (a null region when only the channel is)
      ArrayNode entry = reservations.addArray();
      entry.add(number(reservation.reservationId()));
      entry.add(reservation.orderId());
      entry.add(reservation.units());
      if (reservation.region() != null || reservation.channel() != null) {
        entry.add(reservation.region());
      }
      if (reservation.channel() != null) {
        entry.add(reservation.channel().wireName());
      }
    }
    if (needsV3) {
      state.put("cutoff", pool.cutoff() == null ? null : pool.cutoff().toString());
      ArrayNode holds = state.putArray("holds");
      for (Hold hold : pool.holds().values()) {
        // [number, orderId, units, region, channel, placedAt, expiresAt]
        holds.addArray().add(number(hold.holdId())).add(hold.orderId()).add(hold.units()).add(hold.region())
            .add(hold.channel() == null ? null : hold.channel().wireName()).add(hold.placedAt().toString())
            .add(hold.expiresAt().toString());
      }
      ArrayNode expired = state.putArray("expired");
      ArrayNode cancelled = state.putArray("cancelled");
      pool.endedHolds().forEach((holdId, outcome) ->
          (outcome == HoldOutcome.EXPIRED ? expired : cancelled).add(number(holdId)));
    }
    return write(state);
  }

  /**
   * Whether a stored snapshot is of a state version this code reads (2 or 3). One of another version (older, or
   * from a newer release during a rolling upgrade) is not read at all: the pool is replayed from its events
   * instead, and a current snapshot written.
   */
  public static boolean readable(String snapshot) {
    JsonNode version = read(snapshot).get("v");
    return version != null && version.isInt()
        && (version.intValue() == SNAPSHOT_VERSION || version.intValue() == SNAPSHOT_VERSION_2);
  }

  /** @throws IllegalStateException for a snapshot that is not {@link #readable} */
  public static Pool restore(String snapshot) {
    JsonNode state = read(snapshot);
    int version = integer(state, "v");
    if (version != SNAPSHOT_VERSION && version != SNAPSHOT_VERSION_2) {
      throw new IllegalStateException("unknown snapshot version " + version);
    }
    String poolId = text(state, "poolId");
    PMap<String, Reservation> reservations = HashTreePMap.empty();
    PMap<String, Hold> holds = HashTreePMap.empty();
    PMap<String, HoldOutcome> ended = HashTreePMap.empty();
    PMap<String, String> orders = HashTreePMap.empty();
    long reserved = 0;
    long held = 0;
    for (JsonNode entry : field(state, "reservations")) {
      String reservationId = Ids.reservationId(poolId, whole(entry, 0));
      String region = entry.size() > 3 && !entry.get(3).isNull() ? text(entry, 3) : null;
      Channel channel = entry.size() > 4 ? channel(text(entry, 4), entry) : null;
      Reservation reservation = new Reservation(reservationId, text(entry, 1), integer(entry, 2), region, channel);
      reservations = reservations.plus(reservationId, reservation);
      orders = orders.plus(reservation.orderId(), reservationId);
      reserved += reservation.units();
    }
    Instant cutoff = null;
    if (version == SNAPSHOT_VERSION) {
      cutoff = optionalInstant(state, "cutoff");
      for (JsonNode entry : field(state, "holds")) {
        String holdId = Ids.reservationId(poolId, whole(entry, 0));
        Channel channel = entry.get(4).isNull() ? null : channel(text(entry, 4), entry);
        Hold hold = new Hold(holdId, text(entry, 1), integer(entry, 2), entry.get(3).isNull() ? null : text(entry, 3),
            channel, Instant.parse(text(entry, 5)), Instant.parse(text(entry, 6)));
        holds = holds.plus(holdId, hold);
        orders = orders.plus(hold.orderId(), holdId);
        held += hold.units();
      }
      for (JsonNode number : field(state, "expired")) {
        ended = ended.plus(Ids.reservationId(poolId, number.longValue()), HoldOutcome.EXPIRED);
      }
      for (JsonNode number : field(state, "cancelled")) {
        ended = ended.plus(Ids.reservationId(poolId, number.longValue()), HoldOutcome.CANCELLED);
      }
    }
    PoolStatus status = PoolStatus.fromWireName(text(state, "status"))
        .orElseThrow(() -> new IllegalStateException("unknown status in snapshot of " + poolId));
    return new Pool(poolId, integer(state, "capacity"), reserved, held, status, slot(field(state, "slot")),
        strings(field(state, "regions")), cutoff, whole(state, "issued"), reservations, holds, ended, orders);
  }

  private static long number(String reservationId) {
    return Ids.parseReservation(reservationId).orElseThrow().number();
  }

  /** Every stored event type name this release reads, old versions included; a test checks that each decodes. */
  public static List<String> eventTypes() {
    return List.of(POOL_DEFINED_V1, POOL_DEFINED, CAPACITY_CHANGED, POOL_CLOSED, POOL_REOPENED, CAPACITY_RESERVED_V1,
        CAPACITY_RESERVED, RESERVATION_RELEASED_V1, RESERVATION_RELEASED, HOLD_PLACED, HOLD_EXTENDED, HOLD_CONFIRMED,
        HOLD_CANCELLED, HOLD_EXPIRED, POOL_RESET);
  }

  private static ObjectNode slot(Slot slot) {
    ObjectNode node = JSON.createObjectNode();
    node.put("start", slot.start().toString());
    node.put("end", slot.end().toString());
    return node;
  }

  private static Slot slot(JsonNode node) {
    return new Slot(Instant.parse(text(node, "start")), Instant.parse(text(node, "end")));
  }

  /** A field every payload of its version has, which may be {@code null} (not known). */
  private static String optionalText(JsonNode node, String name) {
    if (!node.has(name)) {
      throw new IllegalStateException("stored JSON lacks '" + name + "': " + node);
    }
    JsonNode value = node.get(name);
    return value.isNull() ? null : text(node, name);
  }

  private static Instant instant(JsonNode node, String name) {
    String text = text(node, name);
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalStateException("stored JSON has a '" + name + "' that is not an instant: " + node);
    }
  }

  private static Instant optionalInstant(JsonNode node, String name) {
    return optionalText(node, name) == null ? null : instant(node, name);
  }

  private static Channel channel(JsonNode node) {
    String name = optionalText(node, "channel");
    return name == null ? null : channel(name, node);
  }

  private static Channel channel(String name, JsonNode node) {
    return Channel.fromWireName(name)
        .orElseThrow(() -> new IllegalStateException("stored JSON has an unknown channel: " + node));
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      values.add(text(array, i));
    }
    return values;
  }

  // Stored rows are facts: a missing or mistyped field fails loudly instead of replaying as a different fact.

  private static JsonNode field(JsonNode node, String name) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      throw new IllegalStateException("stored JSON lacks '" + name + "': " + node);
    }
    return value;
  }

  private static String text(JsonNode node, String name) {
    return typed(field(node, name), name, node, JsonNode::isTextual, JsonNode::textValue);
  }

  private static String text(JsonNode array, int index) {
    return typed(field(array, index), "[" + index + "]", array, JsonNode::isTextual, JsonNode::textValue);
  }

  private static int integer(JsonNode node, String name) {
    return typed(field(node, name), name, node, StoredForm::isInt, JsonNode::intValue);
  }

  private static int integer(JsonNode array, int index) {
    return typed(field(array, index), "[" + index + "]", array, StoredForm::isInt, JsonNode::intValue);
  }

  private static long whole(JsonNode node, String name) {
    return typed(field(node, name), name, node, StoredForm::isLong, JsonNode::longValue);
  }

  private static long whole(JsonNode array, int index) {
    return typed(field(array, index), "[" + index + "]", array, StoredForm::isLong, JsonNode::longValue);
  }

  private static boolean isInt(JsonNode value) {
    return value.isIntegralNumber() && value.canConvertToInt();
  }

  private static boolean isLong(JsonNode value) {
    return value.isIntegralNumber() && value.canConvertToLong();
  }

  private static <T> T typed(JsonNode value, String name, JsonNode node, Predicate<JsonNode> accepts,
      Function<JsonNode, T> read) {
    if (!accepts.test(value)) {
      throw new IllegalStateException("stored JSON has a '" + name + "' of the wrong type: " + node);
    }
    return read.apply(value);
  }

  private static JsonNode field(JsonNode array, int index) {
    JsonNode value = array.get(index);
    if (value == null || value.isNull()) {
      throw new IllegalStateException("stored JSON lacks element " + index + ": " + array);
    }
    return value;
  }

  private static String write(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode read(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable JSON in the journal: " + e.getOriginalMessage(), e);
    }
  }
}
