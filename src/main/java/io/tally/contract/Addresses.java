package io.tally.contract;

/**
 * Every event-bus address Tally uses. The public ones are a contract with sibling services in the same cluster:
 * their names and message shapes do not change; everything else is internal and may.
 */
public final class Addresses {

  /** Public: pool commands ({@code define}, {@code change}, {@code reserve}, {@code release}, {@code get}). */
  public static final String POOL_COMMAND = "tally.pool.command";

  /**
   * Public: {@code PoolChanged} after every commit, {@code {"poolId","seq","remaining","available","status",
   * "committedAtMs","capacity","reserved","held"}}; the last four (the owner's wall clock when it published, and
   * the pool's numbers) were added later, so readers must not require them.
   */
  public static final String POOL_CHANGED = "tally.pool.changed";

  /** Public: an availability query, answered from the receiving node's own index. */
  public static final String AVAILABILITY_QUERY = "tally.availability.query";

  /** Node-local: the same query, for this node's web verticles. */
  public static final String AVAILABILITY_LOCAL = "tally.availability.local";

  /** Node-local: the same query answered with the HTTP body already encoded, for {@code POST /availability}. */
  public static final String AVAILABILITY_HTTP = "tally.availability.http";

  /** Node-local: a pool's availability as this node's index now sees it, after every change, for WebSockets. */
  public static final String AVAILABILITY_CHANGED_LOCAL = "tally.availability.changed.local";

  /** Node-local: every pool of a region and days with its numbers, for the operator console. */
  public static final String CONSOLE_BOARD_LOCAL = "tally.console.board.local";

  /** Internal: reads from the journal (a pool's history, a pool as it was, the event feed) by query verticles. */
  public static final String JOURNAL_READ = "tally.journal.read";

  /** Internal: async projections' status and rebuilds, and the reports they serve. */
  public static final String PROJECTIONS = "tally.projections";

  private static final String NODE_PREFIX = "tally.node.";
  private static final String STATS_PREFIX = "tally.stats.";

  private Addresses() {
  }

  /**
   * Internal: the one clustered address a node consumes for as long as it runs: pool commands for the shards it
   * hosts, and its peers' pings and shard claims. The name is followed by an id of this process, so that a node
   * restarted under the same name is a new address no sender can have a stale route to.
   */
  public static String node(String name, String incarnation) {
    return NODE_PREFIX + name + "." + incarnation;
  }

  /** Internal: a node's key numbers over the last minute, for the operator console's cluster panel. */
  public static String stats(String nodeName) {
    return STATS_PREFIX + nodeName;
  }

  /**
   * Whether {@code address} is one only Tally nodes may send to, that other processes on the cluster's event bus
   * could reach: the node addresses, journal reads, the projections (whose rebuild and pause are admin actions) and
   * the nodes' numbers.
   * The node-local addresses cannot be reached from another process at all.
   */
  public static boolean internal(String address) {
    return address.startsWith(NODE_PREFIX) || address.equals(JOURNAL_READ) || address.equals(PROJECTIONS)
        || address.startsWith(STATS_PREFIX);
  }
}
