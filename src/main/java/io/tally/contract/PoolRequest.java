package io.tally.contract;

import io.tally.pool.Channel;
import io.tally.pool.Ids;
import io.tally.pool.InvalidCommand;
import io.tally.pool.PoolCommand.CancelHold;
import io.tally.pool.PoolCommand.ChangePool;
import io.tally.pool.PoolCommand.ConfirmHold;
import io.tally.pool.PoolCommand.DefinePool;
import io.tally.pool.PoolCommand.ExtendHold;
import io.tally.pool.PoolCommand.PlaceHold;
import io.tally.pool.PoolCommand.Release;
import io.tally.pool.PoolCommand.Reserve;
import io.tally.pool.PoolCommand;
import io.tally.pool.PoolStatus;
import io.tally.pool.Slot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a pool's owner is asked: decide a command, or read the pool. Built from the JSON of the contract (the HTTP
 * bodies plus a {@code type}, as sibling services send it on the event bus) with strict checks, so a wrong type or
 * a missing field is refused with a code that names the field.
 */
public sealed interface PoolRequest {

  String poolId();

  record Decide(PoolCommand command) implements PoolRequest {
    @Override
    public String poolId() {
      return command.poolId();
    }
  }

  record Read(String poolId) implements PoolRequest {
    public Read {
      if (!Ids.isPoolId(poolId)) {
        throw Refusal.invalid("invalid_pool_id", Ids.POOL_ID_RULE);
      }
    }
  }

  /**
   * Put the pool back as it was at {@code at} ({@link io.tally.pool.PoolDecider#reset}); with {@code dryRun}, only
   * say what that would do.
   */
  record Reset(String poolId, Instant at, String reason, boolean dryRun) implements PoolRequest {
    /** The longest reason kept with a reset. */
    public static final int MAX_REASON = 500;

    public Reset {
      if (!Ids.isPoolId(poolId)) {
        throw Refusal.invalid("invalid_pool_id", Ids.POOL_ID_RULE);
      }
      if (reason.isBlank() || reason.length() > MAX_REASON) {
        throw Refusal.invalid("invalid_reason", "reason must say why, in 1 to " + MAX_REASON + " characters");
      }
    }
  }

  /** @throws Refusal naming the first field that is missing or malformed */
  static PoolRequest fromJson(JsonObject json) {
    try {
      return parse(json);
    } catch (InvalidCommand invalid) {
      throw Refusal.of(invalid.rejection()); // a command's own checks, made as it is built
    }
  }

  private static PoolRequest parse(JsonObject json) {
    String type = text(json, "type", "invalid_type");
    return switch (type) {
      case "define" -> define(json);
      case "change" -> new Decide(new ChangePool(text(json, "poolId", "invalid_pool_id"),
          optionalInteger(json, "capacity", "invalid_capacity"), status(json)));
      case "reserve" -> new Decide(new Reserve(text(json, "poolId", "invalid_pool_id"),
          text(json, "orderId", "invalid_order_id"), integer(json, "units", "invalid_units", 1),
          optionalText(json, "region", "invalid_region"), channel(json)));
      case "release" -> new Decide(new Release(text(json, "reservationId", "invalid_reservation_id")));
      case "hold" -> new Decide(new PlaceHold(text(json, "poolId", "invalid_pool_id"),
          text(json, "orderId", "invalid_order_id"), integer(json, "units", "invalid_units", 1),
          optionalText(json, "region", "invalid_region"), channel(json), ttl(json, PoolCommand.DEFAULT_HOLD_TTL)));
      case "confirm" -> new Decide(new ConfirmHold(text(json, "holdId", "invalid_hold_id")));
      case "cancel" -> new Decide(new CancelHold(text(json, "holdId", "invalid_hold_id")));
      case "extend" -> new Decide(new ExtendHold(text(json, "holdId", "invalid_hold_id"), ttl(json, null)));
      case "get" -> new Read(text(json, "poolId", "invalid_pool_id"));
      case "reset" -> new Reset(text(json, "poolId", "invalid_pool_id"), moment(json, "at", "invalid_at"),
          text(json, "reason", "invalid_reason"), flag(json, "dryRun", "invalid_dry_run"));
      default -> throw Refusal.invalid("invalid_type",
          "type must be one of define, change, reserve, release, hold, confirm, cancel, extend, get, reset, basket,"
              + " releaseBasket, getBasket");
    };
  }

  private static Decide define(JsonObject json) {
    String poolId = text(json, "poolId", "invalid_pool_id");
    int capacity = integer(json, "capacity", "invalid_capacity", null);
    Slot slot = slot(json.getValue("slot"));
    return new Decide(new DefinePool(poolId, capacity, slot, regions(json), cutoff(json, slot)));
  }

  /**
   * The cut-off as an instant: an ISO-8601 duration is counted back from the slot's start ({@code "PT2H"}: two
   * hours before it), a date-time with an offset is taken as it is.
   */
  private static Instant cutoff(JsonObject json, Slot slot) {
    String text = optionalText(json, "cutoff", "invalid_cutoff");
    if (text == null) {
      return null;
    }
    try {
      if (text.startsWith("P") || text.startsWith("-P")) {
        Duration before = Duration.parse(text);
        if (before.isNegative()) {
          throw Refusal.invalid("invalid_cutoff", "a cutoff duration counts back from the slot's start and may not"
              + " be negative");
        }
        return slot.start().minus(before);
      }
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException | ArithmeticException e) {
      throw Refusal.invalid("invalid_cutoff", "cutoff must be an ISO-8601 duration before the slot's start, such as"
          + " PT2H, or a date-time with an offset, such as 2026-12-01T08:00:00Z");
    }
  }

  /** {@code ttlSeconds} as a duration, or {@code defaultTtl} when it is absent and may be. */
  private static Duration ttl(JsonObject json, Duration defaultTtl) {
    if (json.getValue("ttlSeconds") == null && defaultTtl != null) {
      return defaultTtl;
    }
    return Duration.ofSeconds(integer(json, "ttlSeconds", "invalid_ttl", null));
  }

  private static Instant moment(JsonObject json, String field, String code) {
    String text = text(json, field, code);
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw Refusal.invalid(code, field + " must be an ISO-8601 date-time with an offset, such as"
          + " 2026-12-01T10:00:00Z");
    }
  }

  private static boolean flag(JsonObject json, String field, String code) {
    Object value = json.getValue(field);
    if (value == null) {
      return false;
    }
    if (!(value instanceof Boolean flag)) {
      throw Refusal.invalid(code, field + " must be true or false");
    }
    return flag;
  }

  private static String text(JsonObject json, String field, String code) {
    Object value = json.getValue(field);
    if (value == null) {
      throw Refusal.invalid(code, field + " is required");
    }
    if (!(value instanceof String text)) {
      throw Refusal.invalid(code, field + " must be a string");
    }
    return text;
  }

  private static String optionalText(JsonObject json, String field, String code) {
    return json.getValue(field) == null ? null : text(json, field, code);
  }

  private static Channel channel(JsonObject json) {
    String name = optionalText(json, "channel", "invalid_channel");
    return name == null ? null : Channel.fromWireName(name).orElseThrow(
        () -> Refusal.invalid("invalid_channel", "channel must be \"delivery\" or \"pickup\""));
  }

  private static int integer(JsonObject json, String field, String code, Integer defaultValue) {
    Object value = json.getValue(field);
    if (value == null) {
      if (defaultValue == null) {
        throw Refusal.invalid(code, field + " is required");
      }
      return defaultValue;
    }
    return toInt(value, field, code);
  }

  private static OptionalInt optionalInteger(JsonObject json, String field, String code) {
    Object value = json.getValue(field);
    return value == null ? OptionalInt.empty() : OptionalInt.of(toInt(value, field, code));
  }

  private static int toInt(Object value, String field, String code) {
    if (value instanceof Integer number) {
      return number;
    }
    if (value instanceof Long || value instanceof java.math.BigInteger) {
      throw Refusal.invalid(code, field + " is out of range");
    }
    if (value instanceof Number number) {
      double d = number.doubleValue();
      if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
        return (int) d;
      }
    }
    throw Refusal.invalid(code, field + " must be a whole number");
  }

  private static Slot slot(Object value) {
    if (!(value instanceof JsonObject slot)) {
      throw Refusal.invalid("invalid_slot", value == null ? "slot is required"
          : "slot must be an object with start and end");
    }
    return new Slot(instant(slot, "start"), instant(slot, "end"));
  }

  private static Instant instant(JsonObject slot, String field) {
    String text = text(slot, field, "invalid_slot");
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw Refusal.invalid("invalid_slot",
          "slot." + field + " must be an ISO-8601 date-time with an offset, such as 2026-12-01T10:00:00Z");
    }
  }

  private static List<String> regions(JsonObject json) {
    Object value = json.getValue("regions");
    if (!(value instanceof JsonArray array)) {
      throw Refusal.invalid("invalid_regions", value == null ? "regions is required"
          : "regions must be an array of strings");
    }
    List<String> regions = new ArrayList<>(array.size());
    for (Object item : array) {
      if (!(item instanceof String region)) {
        throw Refusal.invalid("invalid_regions", "regions must be an array of strings");
      }
      regions.add(region);
    }
    return regions;
  }

  private static Optional<PoolStatus> status(JsonObject json) {
    Object value = json.getValue("status");
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String text)) {
      throw Refusal.invalid("invalid_status", "status must be \"open\" or \"closed\"");
    }
    return Optional.of(PoolStatus.fromWireName(text).orElseThrow(
        () -> new InvalidCommand("invalid_status", "status must be \"open\" or \"closed\"")));
  }
}
