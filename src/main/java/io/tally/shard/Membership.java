package io.tally.shard;

import java.util.List;
import java.util.SortedSet;

/**
 * Who is in the cluster, as this node sees it. Ownership of shards is computed from this view on every node, with
 * no coordinator: each member announces what it serves, and every node can tell whether every shard has a serving
 * owner.
 */
public interface Membership {

  /** This node. */
  Member self();

  /** The live members, this node included, in name order. Cheap: served from memory. */
  List<Member> members();

  /** Calls {@code listener} (on any thread) whenever a member joins, leaves or announces a change. */
  void onChange(Runnable listener);

  /**
   * Tells every member whether this node is still starting or leaving, and which shards it serves. This node's
   * own view changes at once; the others learn it shortly after.
   */
  void announce(boolean joining, boolean leaving, SortedSet<Integer> served);
}
