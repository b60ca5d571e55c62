package io.tally.pool;

/**
 * How a hold ended without becoming a reservation. A pool remembers it for every hold id it issued, so that a late
 * confirmation is told the truth ({@code hold_expired}) rather than "not found", and never re-reserves.
 */
public enum HoldOutcome {
  CANCELLED("cancelled"),
  EXPIRED("expired");

  private final String wireName;

  HoldOutcome(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }
}
