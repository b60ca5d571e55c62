package io.tally.pool;

import java.time.Instant;

/**
 * Why a command was not carried out: a stable machine-readable {@code code}, the {@link Kind} of failure (which the
 * edges map to HTTP statuses) and a message for people.
 */
public record Rejection(String code, Kind kind, String message) {

  /** The three ways a command can fail in the domain. */
  public enum Kind {
    /** The command itself is malformed; retrying it cannot succeed. */
    INVALID,
    /** The pool or reservation it names does not exist. */
    NOT_FOUND,
    /** The command is well-formed but the pool's state forbids it. */
    CONFLICT
  }

  public static final String POOL_NOT_FOUND = "pool_not_found";
  public static final String POOL_EXISTS = "pool_exists";
  public static final String POOL_CLOSED = "pool_closed";
  public static final String CAPACITY_EXHAUSTED = "capacity_exhausted";
  public static final String RESERVATION_NOT_FOUND = "reservation_not_found";
  public static final String INVALID_REGION = "invalid_region";
  public static final String PAST_CUTOFF = "past_cutoff";
  public static final String HOLD_NOT_FOUND = "hold_not_found";
  public static final String HOLD_EXPIRED = "hold_expired";
  public static final String HOLD_CANCELLED = "hold_cancelled";
  public static final String HOLD_CONFIRMED = "hold_confirmed";
  public static final String ORDER_ON_HOLD = "order_on_hold";
  public static final String HOLD_TOO_LONG = "hold_too_long";
  public static final String RESET_BEFORE_DEFINITION = "reset_before_definition";

  public static Rejection invalid(String code, String message) {
    return new Rejection(code, Kind.INVALID, message);
  }

  public static Rejection poolNotFound(String poolId) {
    return new Rejection(POOL_NOT_FOUND, Kind.NOT_FOUND, "pool '" + poolId + "' does not exist");
  }

  static Rejection poolExists(String poolId) {
    return new Rejection(POOL_EXISTS, Kind.CONFLICT, "pool '" + poolId + "' is already defined");
  }

  static Rejection poolClosed(String poolId) {
    return new Rejection(POOL_CLOSED, Kind.CONFLICT, "pool '" + poolId + "' is closed to new reservations");
  }

  static Rejection capacityExhausted(String poolId, long remaining, int units) {
    return new Rejection(CAPACITY_EXHAUSTED, Kind.CONFLICT,
        "pool '" + poolId + "' has " + remaining + " units left, " + units + " requested");
  }

  static Rejection regionNotServed(String poolId, String region) {
    return new Rejection(INVALID_REGION, Kind.INVALID, "pool '" + poolId + "' does not serve region '" + region + "'");
  }

  static Rejection reservationNotFound(String reservationId) {
    return new Rejection(RESERVATION_NOT_FOUND, Kind.NOT_FOUND, "reservation '" + reservationId + "' does not exist");
  }

  static Rejection pastCutoff(String poolId, Instant cutoff) {
    return new Rejection(PAST_CUTOFF, Kind.CONFLICT, "pool '" + poolId + "' stopped taking orders at its cut-off, "
        + cutoff);
  }

  static Rejection holdNotFound(String holdId) {
    return new Rejection(HOLD_NOT_FOUND, Kind.NOT_FOUND, "hold '" + holdId + "' does not exist");
  }

  static Rejection holdExpired(String holdId) {
    return new Rejection(HOLD_EXPIRED, Kind.CONFLICT, "hold '" + holdId + "' expired and its units were given back;"
        + " place a new hold");
  }

  static Rejection holdCancelled(String holdId) {
    return new Rejection(HOLD_CANCELLED, Kind.CONFLICT, "hold '" + holdId + "' was cancelled");
  }

  static Rejection holdConfirmed(String holdId) {
    return new Rejection(HOLD_CONFIRMED, Kind.CONFLICT, "hold '" + holdId + "' was confirmed and is a reservation;"
        + " release the reservation instead");
  }

  static Rejection orderOnHold(String orderId, String holdId) {
    return new Rejection(ORDER_ON_HOLD, Kind.CONFLICT, "order '" + orderId + "' holds units as hold '" + holdId
        + "'; confirm or cancel the hold");
  }

  static Rejection holdTooLong(String holdId, Instant latest) {
    return new Rejection(HOLD_TOO_LONG, Kind.CONFLICT, "hold '" + holdId + "' may live until " + latest
        + " at the latest (" + PoolCommand.MAX_HOLD_TTL.toSeconds() + " s from when it was placed)");
  }

  static Rejection resetBeforeDefinition(String poolId, Instant at) {
    return new Rejection(RESET_BEFORE_DEFINITION, Kind.CONFLICT, "pool '" + poolId + "' was not yet defined at " + at
        + "; it can be reset only to a moment after its definition");
  }
}
