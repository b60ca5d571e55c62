package io.tally.pool;

import java.util.Optional;

/** Whether a pool takes new reservations. Closing a pool keeps its reservations. */
public enum PoolStatus {
  OPEN("open"),
  CLOSED("closed");

  private final String wireName;

  PoolStatus(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<PoolStatus> fromWireName(String name) {
    for (PoolStatus status : values()) {
      if (status.wireName.equals(name)) {
        return Optional.of(status);
      }
    }
    return Optional.empty();
  }
}
