package io.tally;

/** Every event-bus address Tally uses. The public ones are a contract with sibling services; see DESIGN §5. */
public final class Addresses {

  /** Public: pool commands ({@code define}, {@code change}, {@code reserve}, {@code release}, {@code get}). */
  public static final String POOL_COMMAND = "tally.pool.command";

  /** Internal: a page of one pool's history, answered from the journal by query verticles. */
  public static final String POOL_HISTORY = "tally.pool.history";

  private static final String SHARD_PREFIX = "tally.shard.";

  private Addresses() {
  }

  /** Internal: the commands of one shard's pools, consumed by that shard's owner. */
  public static String shard(int shard) {
    return SHARD_PREFIX + shard;
  }
}
