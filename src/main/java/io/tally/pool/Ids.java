package io.tally.pool;

import java.util.Optional;

/**
 * The shapes of identifiers. A reservation id carries its pool ({@code <poolId>~<n>}), so a release goes straight
 * to the pool's owner without a lookup table; that is why pool ids may not contain {@code ~}.
 */
public final class Ids {

  public static final int MAX_POOL_ID_LENGTH = 128;
  public static final int MAX_ORDER_ID_LENGTH = 128;
  public static final int MAX_REGION_LENGTH = 64;
  private static final char RESERVATION_SEPARATOR = '~';

  /** The rule {@link #isPoolId} checks, as the message of a refusal. */
  public static final String POOL_ID_RULE = "poolId must match [A-Za-z0-9._:-]{1," + MAX_POOL_ID_LENGTH + "}";
  /** The rule {@link #isRegion} checks, as the message of a refusal. */
  public static final String REGION_RULE = "region must be 1-" + MAX_REGION_LENGTH + " printable characters";

  private Ids() {
  }

  /** Whether {@code value} matches {@code [A-Za-z0-9._:-]{1,128}}; checked on every request, so without regex. */
  public static boolean isPoolId(String value) {
    if (value == null || value.isEmpty() || value.length() > MAX_POOL_ID_LENGTH) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
          || c == '_' || c == ':' || c == '-';
      if (!allowed) {
        return false;
      }
    }
    return true;
  }

  /** An order id is 1–128 printable characters (no control characters, no line breaks). */
  public static boolean isOrderId(String value) {
    return isPrintable(value, MAX_ORDER_ID_LENGTH);
  }

  /** A region is 1–64 printable characters, for example a postal sector such as {@code SW1A 1}. */
  public static boolean isRegion(String value) {
    return isPrintable(value, MAX_REGION_LENGTH);
  }

  public static String reservationId(String poolId, long number) {
    return poolId + RESERVATION_SEPARATOR + number;
  }

  /** The pool a reservation id belongs to, if the id has the shape {@code <poolId>~<n>}. */
  public static Optional<String> poolOfReservation(String reservationId) {
    return parseReservation(reservationId).map(ReservationNumber::poolId);
  }

  /** A reservation id taken apart into its pool and its sequence number within that pool. */
  public record ReservationNumber(String poolId, long number) {
  }

  public static Optional<ReservationNumber> parseReservation(String reservationId) {
    if (reservationId == null) {
      return Optional.empty();
    }
    int separator = reservationId.indexOf(RESERVATION_SEPARATOR);
    if (separator <= 0 || separator == reservationId.length() - 1) {
      return Optional.empty();
    }
    String poolId = reservationId.substring(0, separator);
    String digits = reservationId.substring(separator + 1);
    if (!isPoolId(poolId) || digits.length() > 18 || digits.charAt(0) == '0') {
      return Optional.empty();
    }
    for (int i = 0; i < digits.length(); i++) {
      if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
        return Optional.empty();
      }
    }
    return Optional.of(new ReservationNumber(poolId, Long.parseLong(digits)));
  }

  private static boolean isPrintable(String value, int maxLength) {
    if (value == null || value.isEmpty() || value.length() > maxLength || value.isBlank()) {
      return false;
    }
    return value.codePoints().noneMatch(Ids::unprintable);
  }

  /** Control characters, line and paragraph separators, unpaired surrogates and unassigned code points. */
  private static boolean unprintable(int codePoint) {
    return switch (Character.getType(codePoint)) {
      case Character.CONTROL, Character.SURROGATE, Character.UNASSIGNED, Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR -> true;
      default -> false;
    };
  }
}
