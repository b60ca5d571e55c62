package io.tally.shard;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tally.contract.Reply;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The shard runtime's meters, named once here (they are listed in {@code docs/metrics.md}): what the node's shard
 * hosts answered, what its senders retried and why, how many shards it owns and hosts in each state, and the pools
 * it holds in memory.
 */
final class ShardMeters {

  /** Why a sender tried again: tags of {@code tally.command.retries}. */
  enum RetryReason {
    /** The node asked answered "not owner" and named another. */
    REDIRECTED,
    /** This node's view had no owner for the shard. */
    NO_OWNER,
    /** No answer in time, or a connection that failed. */
    NO_ANSWER,
    /** The owner asked for a retry: its shard was being handed over, or the pool's append failed. */
    OWNER_BUSY;

    String tag() {
      return name().toLowerCase();
    }
  }

  private final Counter decided;
  private final Counter refused;
  private final Counter redirected;
  private final Counter retry;
  private final Counter[] retries;
  private final Counter gaveUp;
  private final Timer load;
  private final AtomicLong pools = new AtomicLong();

  ShardMeters(MeterRegistry registry) {
    String answered = "tally.shard.commands";
    String description = "Commands this node's shard hosts answered, by outcome";
    decided = Counter.builder(answered).tag("outcome", "decided").description(description).register(registry);
    refused = Counter.builder(answered).tag("outcome", "refused").description(description).register(registry);
    redirected = Counter.builder(answered).tag("outcome", "redirected").description(description).register(registry);
    retry = Counter.builder(answered).tag("outcome", "retry").description(description).register(registry);
    RetryReason[] reasons = RetryReason.values();
    retries = new Counter[reasons.length];
    for (RetryReason reason : reasons) {
      retries[reason.ordinal()] = Counter.builder("tally.command.retries").tag("reason", reason.tag())
          .description("Attempts this node's senders made again, by what the last one met").register(registry);
    }
    gaveUp = Counter.builder("tally.command.gave.up")
        .description("Commands answered 503 because no owner answered before the retry deadline").register(registry);
    load = Timer.builder("tally.pool.load").description("Loading a pool from its snapshot and events")
        .register(registry);
    Gauge.builder("tally.pools.in.memory", pools, AtomicLong::get)
        .description("Pools this node holds in memory").register(registry);
  }

  /** Gauges over the manager's state, read when scraped. */
  void watch(MeterRegistry registry, Supplier<Collection<ShardHost>> hosts, Supplier<Integer> owned) {
    Gauge.builder("tally.shards.owned", () -> owned.get())
        .description("Shards this node owns in its own view of the membership").register(registry);
    for (ShardHost.State state : ShardHost.State.values()) {
      Gauge.builder("tally.shards.hosted", () -> hosts.get().stream().filter(host -> host.state() == state).count())
          .tag("state", state.name().toLowerCase())
          .description("Shards hosted on this node, by state (serving decides; awaiting holds commands)")
          .register(registry);
    }
  }

  /** Counts what a host answered. */
  void answered(Reply reply) {
    if (reply.misdirected()) {
      redirected.increment();
    } else if (reply.retryable()) {
      retry.increment();
    } else if (reply.succeeded()) {
      decided.increment();
    } else {
      refused.increment();
    }
  }

  void retried(RetryReason reason) {
    retries[reason.ordinal()].increment();
  }

  void gaveUp() {
    gaveUp.increment();
  }

  Timer load() {
    return load;
  }

  void poolsLoaded(long change) {
    pools.addAndGet(change);
  }
}
