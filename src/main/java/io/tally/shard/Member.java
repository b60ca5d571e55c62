package io.tally.shard;

import io.tally.config.Role;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A Tally node as the cluster sees it: its stable name (which ownership is computed from), its roles and HTTP
 * address, whether it is still starting or already handing its shards off before it stops, and the shards it
 * serves right now.
 */
public record Member(String name, Set<Role> roles, String http, boolean joining, boolean leaving,
    SortedSet<Integer> served) {

  public Member {
    roles = Set.copyOf(roles);
    served = new TreeSet<>(served);
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

  Member with(boolean joining, boolean leaving, SortedSet<Integer> served) {
    return new Member(name, roles, http, joining, leaving, served);
  }

  JsonObject toJson() {
    JsonArray roleNames = new JsonArray();
    roles.stream().map(Role::wireName).sorted().forEach(roleNames::add);
    return new JsonObject().put("nodeId", name).put("roles", roleNames).put("http", http)
        .put("state", joining ? "joining" : leaving ? "leaving" : "serving").put("shards", served.size());
  }
}
