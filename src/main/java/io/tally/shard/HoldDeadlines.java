package io.tally.shard;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/**
 * Where an owner finds the pools with holds to expire that are not in its memory: after a crash, a takeover or an
 * eviction, a pool's holds must still expire when their time comes, and a node cannot load every pool to find them.
 */
@FunctionalInterface
public interface HoldDeadlines {

  /** Pools with a live hold whose time is up at {@code now}, soonest first. */
  Future<List<String>> poolsDueAt(Instant now);

  /** No pool ever has holds due: for runtimes whose tests place none. */
  HoldDeadlines NONE = now -> Future.succeededFuture(List.of());
}
