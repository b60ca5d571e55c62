package io.tally.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tally.journal.NewEvent;
import io.tally.journal.RecordedEvent;
import io.tally.pool.Channel;
import io.tally.pool.Ids;
import io.tally.pool.Pool;
import io.tally.pool.PoolEvent.CapacityChanged;
import io.tally.pool.PoolEvent.CapacityReserved;
import io.tally.pool.PoolEvent.PoolClosed;
import io.tally.pool.PoolEvent.PoolDefined;
import io.tally.pool.PoolEvent.PoolReopened;
import io.tally.pool.PoolEvent.ReservationReleased;
import io.tally.pool.PoolEvent;
import io.tally.pool.PoolStatus;
import io.tally.pool.Reservation;
import io.tally.pool.Slot;
import java.time.Instant;
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

  public static final String POOL_DEFINED = "pool.defined.v1";
  public static final String CAPACITY_CHANGED = "capacity.changed.v1";
  public static final String POOL_CLOSED = "pool.closed.v1";
  public static final String POOL_REOPENED = "pool.reopened.v1";
  public static final String CAPACITY_RESERVED = "capacity.reserved.v2";
  public static final String RESERVATION_RELEASED = "reservation.released.v2";
  /** Still written for a reservation whose region and channel are not known; read as {@link #CAPACITY_RESERVED}. */
  public static final String CAPACITY_RESERVED_V1 = "capacity.reserved.v1";
  /** Still written when the released reservation's region is not known; read as {@link #RESERVATION_RELEASED}. */
  public static final String RESERVATION_RELEASED_V1 = "reservation.released.v1";

  /** 2: each reservation may carry its region and channel. */
  private static final int SNAPSHOT_VERSION = 2;
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
    };
    return new NewEvent(type, write(payload));
  }

  /** @throws UnreadableEvent for a type or version this release does not read */
  public static PoolEvent decode(String type, String payload) {
    Upcasters.Current current = upcast(type, payload);
    JsonNode json = current.payload();
    return switch (current.type()) {
      case POOL_DEFINED -> new PoolDefined(text(json, "poolId"), integer(json, "capacity"),
          slot(field(json, "slot")), strings(field(json, "regions")));
      case CAPACITY_CHANGED -> new CapacityChanged(integer(json, "capacity"));
      case POOL_CLOSED -> new PoolClosed();
      case POOL_REOPENED -> new PoolReopened();
      case CAPACITY_RESERVED -> new CapacityReserved(text(json, "reservationId"),
          text(json, "orderId"), integer(json, "units"), optionalText(json, "region"), channel(json));
      case RESERVATION_RELEASED -> new ReservationReleased(text(json, "reservationId"),
          integer(json, "units"), optionalText(json, "region"));
      default -> throw new IllegalStateException("no decoder for current type " + current.type());
    };
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

  /** A pool's state as stored in {@code snapshots.state}; reservations keep only their number within the pool. */
  public static String snapshot(Pool pool) {
    ObjectNode state = JSON.createObjectNode();
    state.put("v", SNAPSHOT_VERSION);
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
      entry.add(Ids.parseReservation(reservation.reservationId()).orElseThrow().number());
      entry.add(reservation.orderId());
      entry.add(reservation.units());
      if (reservation.region() != null || reservation.channel() != null) {
        entry.add(reservation.region());
      }
      if (reservation.channel() != null) {
        entry.add(reservation.channel().wireName());
      }
    }
    return write(state);
  }

  /**
   * Whether a stored snapshot is of the state version this code writes. One of another version (older, or from a
   * newer release during a rolling upgrade) is not read at all: the pool is replayed from its events instead, and a
   * current snapshot written.
   */
  public static boolean readable(String snapshot) {
    JsonNode version = read(snapshot).get("v");
    return version != null && version.isInt() && version.intValue() == SNAPSHOT_VERSION;
  }

  /** @throws IllegalStateException for a snapshot that is not {@link #readable} */
  public static Pool restore(String snapshot) {
    JsonNode state = read(snapshot);
    int version = integer(state, "v");
    if (version != SNAPSHOT_VERSION) {
      throw new IllegalStateException("unknown snapshot version " + version);
    }
    String poolId = text(state, "poolId");
    PMap<String, Reservation> reservations = HashTreePMap.empty();
    PMap<String, String> orders = HashTreePMap.empty();
    long reserved = 0;
    for (JsonNode entry : field(state, "reservations")) {
      String reservationId = Ids.reservationId(poolId, whole(entry, 0));
      String region = entry.size() > 3 && !entry.get(3).isNull() ? text(entry, 3) : null;
      Channel channel = entry.size() > 4 ? channel(text(entry, 4), entry) : null;
      Reservation reservation = new Reservation(reservationId, text(entry, 1), integer(entry, 2), region, channel);
      reservations = reservations.plus(reservationId, reservation);
      orders = orders.plus(reservation.orderId(), reservationId);
      reserved += reservation.units();
    }
    PoolStatus status = PoolStatus.fromWireName(text(state, "status"))
        .orElseThrow(() -> new IllegalStateException("unknown status in snapshot of " + poolId));
    return new Pool(poolId, integer(state, "capacity"), reserved, status, slot(field(state, "slot")),
        strings(field(state, "regions")), whole(state, "issued"), reservations, orders);
  }

  /** Every stored event type name this release reads, old versions included; a test checks that each decodes. */
  public static List<String> eventTypes() {
    return List.of(POOL_DEFINED, CAPACITY_CHANGED, POOL_CLOSED, POOL_REOPENED, CAPACITY_RESERVED_V1,
        CAPACITY_RESERVED, RESERVATION_RELEASED_V1, RESERVATION_RELEASED);
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
