package io.tally.shard;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;

/**
 * Who is in the cluster, as this node sees it. Ownership of shards is computed from this view on every node, with
 * no coordinator: each member announces whether it is starting, serving or leaving and which shards it hosts, and
 * every node can tell whether every shard is hosted by its owner.
 */
public interface Membership {

  /** This node. */
  Member self();

  /** The live members, this node included, in name order. Cheap: served from memory. */
  List<Member> members();

  /** The live member that consumes {@code address}, if any. */
  default Optional<Member> byAddress(String address) {
    return members().stream().filter(member -> member.address().equals(address)).findFirst();
  }

  /** Calls {@code listener} (on any thread) whenever a member joins, leaves or announces a change. */
  void onChange(Runnable listener);

  /**
   * Tells every member whether this node is still starting or leaving, and which shards it hosts. This node's own
   * view changes at once. The future completes once every live peer has acknowledged this announcement or left
   * the membership; it never fails, and the caller bounds how long it waits.
   */
  Future<Void> announce(boolean joining, boolean leaving, SortedSet<Integer> served);

  /** Whether this node has reached the node address of every live peer, and every live peer has reached its own. */
  default boolean reachable() {
    return unreachable().isEmpty();
  }

  /**
   * The live peers that have not reached this node or that this node has not reached: for logs and status. None,
   * for a membership whose members share one process.
   */
  default List<String> unreachable() {
    return List.of();
  }

  /** A peer's ping: learns the state it carries and answers with this node's (which is all a local one does). */
  default JsonObject exchange(JsonObject peerState) {
    return self().state();
  }

  /** Stops talking to peers (the process is about to leave the cluster). */
  default void close() {
  }
}
