package io.tally.shard;

import io.tally.config.Role;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A Tally node as the cluster sees it. What never changes while the process lives: its stable name (which
 * ownership is computed from), its roles, its HTTP address and its node address, the event-bus address it consumes
 * for as long as it runs (unique to this process: a restarted node gets a new one, so no sender can hold a stale
 * route to it). What it announces as it goes: whether it is still starting or already leaving, the shards it hosts,
 * and the node addresses of the peers it has reached through the cluster.
 *
 * @param version how many announcements this process has made; a newer one replaces an older one
 */
public record Member(String name, Set<Role> roles, String http, String address, long version, boolean joining,
    boolean leaving, SortedSet<Integer> served, Set<String> reached) {

  public Member {
    roles = Set.copyOf(roles);
    served = new TreeSet<>(served);
    reached = Set.copyOf(reached);
  }

  /** A member that has announced nothing yet: it is still starting. */
  public static Member starting(String name, Set<Role> roles, String http, String address) {
    return new Member(name, roles, http, address, 0, true, false, new TreeSet<>(), Set.of());
  }

  public boolean has(Role role) {
    return roles.contains(role);
  }

  /**
   * Whether this member may own shards: it plays the aggregate role, has finished starting (so shards do not move
   * to a node that cannot serve them yet) and is not on its way out.
   */
  public boolean owner() {
    return has(Role.AGGREGATE) && !joining && !leaving;
  }

  /** This member's announcement with the given state, one version later. */
  Member announcing(boolean joining, boolean leaving, SortedSet<Integer> served, Set<String> reached) {
    return new Member(name, roles, http, address, version + 1, joining, leaving, served, reached);
  }

  /** This member with the state of an announcement it made (what travels between nodes). */
  Member withState(JsonObject state) {
    SortedSet<Integer> shards = new TreeSet<>();
    state.getJsonArray("served", new JsonArray()).forEach(shard -> shards.add(((Number) shard).intValue()));
    Set<String> peers = new HashSet<>();
    state.getJsonArray("reached", new JsonArray()).forEach(peer -> peers.add((String) peer));
    return new Member(name, roles, http, address, state.getLong("version", 0L), state.getBoolean("joining", true),
        state.getBoolean("leaving", false), shards, peers);
  }

  /** The announced part of this member, as it travels between nodes. */
  JsonObject state() {
    return new JsonObject().put("address", address).put("version", version).put("joining", joining)
        .put("leaving", leaving).put("served", new JsonArray(new ArrayList<>(served)))
        .put("reached", new JsonArray(reached.stream().sorted().toList()));
  }

  JsonObject toJson() {
    JsonArray roleNames = new JsonArray();
    roles.stream().map(Role::wireName).sorted().forEach(roleNames::add);
    return new JsonObject().put("nodeId", name).put("roles", roleNames).put("http", http)
        .put("state", joining ? "joining" : leaving ? "leaving" : "serving").put("shards", served.size());
  }
}
