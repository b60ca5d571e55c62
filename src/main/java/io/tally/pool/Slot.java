package io.tally.pool;

import java.time.Instant;
import java.util.Objects;

/** A delivery window: the pool's capacity is for orders delivered between {@code start} and {@code end}. */
public record Slot(Instant start, Instant end) {

  public Slot {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
  }
}
