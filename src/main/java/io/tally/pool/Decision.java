package io.tally.pool;

import java.util.List;

/** The outcome of deciding one command: the events it causes (possibly none), or why it was refused. */
public sealed interface Decision {

  record Accepted(List<PoolEvent> events) implements Decision {
    public Accepted {
      events = List.copyOf(events);
    }
  }

  record Rejected(Rejection rejection) implements Decision {
  }

  static Decision accept(PoolEvent... events) {
    return new Accepted(List.of(events));
  }

  static Decision reject(Rejection rejection) {
    return new Rejected(rejection);
  }
}
