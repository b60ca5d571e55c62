package io.tally.perf;

/**
 * A rolling restart under the storefront mix, reported like {@link Failover}: {@code -Drolling.command} restarts
 * each node of {@code -Drolling.nodes} gracefully in turn, at the matching moment of {@code -Drolling.at}
 * ({@code {node}} in the command names the node). Each restart is expected to return once its node serves its
 * shards again, and the next one waits for it, so no two nodes are ever out at once; the report shows the window
 * after each restart, its error window and its slowest request.
 */
public class Rolling extends Failover {

  public Rolling() {
    super("rolling");
    if (settings.actions.isEmpty()) {
      throw new LoadSettings.Invalid("rolling needs -Drolling.command (with {node}), -Drolling.nodes and"
          + " -Drolling.at; perf/load.sh sets them for the local cluster");
    }
  }
}
