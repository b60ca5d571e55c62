package io.tally.pool;

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
}
