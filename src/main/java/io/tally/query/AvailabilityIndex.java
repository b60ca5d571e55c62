package io.tally.query;

import io.vertx.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Which slots each region can be offered, held in memory: region → day → pools. A slot belongs to the day (UTC)
 * its window starts on. Changes are applied in {@code seq} order per pool; an older one is ignored, so duplicated
 * or reordered publications and catch-up reads can be applied in any order. Used from one context only.
 */
final class AvailabilityIndex {

  /** What the index knows of one pool. */
  static final class Slot {
    final String poolId;
    final Instant start;
    final Instant end;
    final LocalDate day;
    final List<String> regions;
    /** From when the slot is no longer offered; null for never. */
    final Instant cutoff;
    long seq;
    long remaining;
    boolean open;
    /** The pool's numbers, for the operator console; the storefront sees only {@link #available}. */
    int capacity;
    long reserved;
    long held;

    Slot(String poolId, Instant start, Instant end, List<String> regions, Instant cutoff, long seq, int capacity,
        long reserved, long held, boolean open) {
      this.poolId = poolId;
      this.cutoff = cutoff;
      this.start = start;
      this.end = end;
      this.day = LocalDate.ofInstant(start, ZoneOffset.UTC);
      this.regions = List.copyOf(regions);
      this.seq = seq;
      this.capacity = capacity;
      this.reserved = reserved;
      this.held = held;
      this.remaining = Math.max(0, capacity - reserved - held);
      this.open = open;
    }

    private byte[] head;

    boolean available(int units) {
      return open && remaining >= units;
    }

    /** Whether the cut-off has passed at {@code now}. */
    boolean pastCutoff(Instant now) {
      return cutoff != null && !now.isBefore(cutoff);
    }

    /** Whether the slot is offered at all at {@code now}: open and not past its cut-off. */
    boolean offered(Instant now) {
      return open && !pastCutoff(now);
    }

    /**
     * The slot's answer up to {@code "available":}, encoded once: only availability changes after a pool is
     * defined, so a question costs a copy of these bytes rather than building and encoding JSON per slot.
     */
    byte[] head() {
      if (head == null) {
        head = ("{\"poolId\":" + Json.encode(poolId) + ",\"start\":\"" + start + "\",\"end\":\"" + end
            + "\",\"available\":").getBytes(StandardCharsets.UTF_8);
      }
      return head;
    }
  }

  private static final Comparator<Slot> BY_START = Comparator.<Slot, Instant>comparing(slot -> slot.start)
      .thenComparing(slot -> slot.poolId);

  private final Map<String, Slot> pools = new HashMap<>();
  private final Map<String, NavigableMap<LocalDate, Map<String, Slot>>> byRegion = new HashMap<>();
  private final NavigableMap<Instant, List<Slot>> byCutoff = new TreeMap<>();

  int size() {
    return pools.size();
  }

  /** Adds a pool or updates it from a full row; returns the slot if the row was newer than what was known. */
  Slot put(Slot row) {
    Slot known = pools.get(row.poolId);
    if (known == null) {
      pools.put(row.poolId, row);
      for (String region : row.regions) {
        byRegion.computeIfAbsent(region, r -> new TreeMap<>())
            .computeIfAbsent(row.day, d -> new HashMap<>()).put(row.poolId, row);
      }
      if (row.cutoff != null) {
        byCutoff.computeIfAbsent(row.cutoff, c -> new ArrayList<>()).add(row);
      }
      return row;
    }
    Slot updated = update(known, row.seq, row.remaining, row.open);
    if (updated != null) {
      numbers(updated, row.capacity, row.reserved, row.held);
    }
    return updated;
  }

  /**
   * Applies a change to a known pool; returns the slot if it was newer, null if older or the pool is unknown.
   * {@code numbers} is the pool's capacity, reserved and held units, or null when the change does not carry them
   * (an owner of a release before they were published): the next catch-up brings them.
   */
  Slot change(String poolId, long seq, long remaining, boolean open, long[] numbers) {
    Slot known = pools.get(poolId);
    Slot updated = known == null ? null : update(known, seq, remaining, open);
    if (updated != null && numbers != null) {
      numbers(updated, (int) numbers[0], numbers[1], numbers[2]);
    }
    return updated;
  }

  private static void numbers(Slot slot, int capacity, long reserved, long held) {
    slot.capacity = capacity;
    slot.reserved = reserved;
    slot.held = held;
  }

  boolean knows(String poolId) {
    return pools.containsKey(poolId);
  }

  private static Slot update(Slot known, long seq, long remaining, boolean open) {
    if (seq <= known.seq) {
      return null;
    }
    known.seq = seq;
    known.remaining = remaining;
    known.open = open;
    return known;
  }

  /** The slots whose cut-off is after {@code after} and at or before {@code upTo}: they stopped being offered. */
  List<Slot> cutOff(Instant after, Instant upTo) {
    List<Slot> slots = new ArrayList<>();
    byCutoff.subMap(after, false, upTo, true).values().forEach(slots::addAll);
    return slots;
  }

  /** Every pool serving {@code region} whose day is in {@code [from, to)}, offered or not, by start time. */
  List<Slot> board(String region, LocalDate from, LocalDate to) {
    NavigableMap<LocalDate, Map<String, Slot>> days = byRegion.get(region);
    if (days == null) {
      return List.of();
    }
    List<Slot> slots = new ArrayList<>();
    days.subMap(from, true, to, false).values().forEach(day -> slots.addAll(day.values()));
    slots.sort(BY_START);
    return slots;
  }

  /**
   * The pools offered at {@code now} (open, and before their cut-off) serving {@code region} whose day is in
   * {@code [from, to)}, by start time.
   */
  List<Slot> offered(String region, LocalDate from, LocalDate to, Instant now) {
    NavigableMap<LocalDate, Map<String, Slot>> days = byRegion.get(region);
    if (days == null) {
      return List.of();
    }
    List<Slot> slots = new ArrayList<>();
    for (Map<String, Slot> day : days.subMap(from, true, to, false).values()) {
      for (Slot slot : day.values()) {
        if (slot.offered(now)) {
          slots.add(slot);
        }
      }
    }
    slots.sort(BY_START);
    return slots;
  }
}
