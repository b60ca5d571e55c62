package io.tally.config;

import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The whole configuration of one node, parsed and validated once at start-up.
 *
 * @param eventLoops Vert.x event-loop threads; 0 means one per core
 */
public record TallyConfig(String nodeId, int eventLoops, Set<Role> roles, HttpConfig http, PostgresConfig postgres,
    JournalConfig journal, ShardConfig shards, ClusterConfig cluster, QueryConfig query, BasketConfig baskets,
    AdminConfig admin, MetricsConfig metrics, HealthConfig health, EventBusTlsConfig eventBusTls) {

  public TallyConfig {
    roles = Set.copyOf(roles);
  }

  /**
   * Whether this is the embedded single-node default: no cluster and the embedded PostgreSQL. Only here may admin
   * routes be open without a token (a laptop trying Tally out), and the node says so loudly at start-up.
   */
  public boolean embeddedSingleNode() {
    return !cluster.enabled() && postgres.url().isEmpty();
  }

  public boolean has(Role role) {
    return roles.contains(role);
  }

  /** Parses the merged configuration; throws {@link ConfigException} naming the first bad key. */
  public static TallyConfig from(JsonObject json) {
    Section root = Section.root(json);
    Section node = root.section("node");
    String nodeId = node.text("id", "node-" + UUID.randomUUID().toString().substring(0, 8));
    if (!nodeId.matches("[A-Za-z0-9._:-]{1,64}")) {
      throw new ConfigException(node.key("id"), "must match [A-Za-z0-9._:-]{1,64}");
    }
    Set<Role> roles = EnumSet.noneOf(Role.class);
    for (String role : root.list("roles", List.of("web", "aggregate", "query"))) {
      roles.add(Role.parse(root.key("roles"), role));
    }
    if (roles.isEmpty()) {
      throw new ConfigException(root.key("roles"), "must name at least one of web, aggregate, query");
    }
    int eventLoops = node.integer("eventLoops", 0, 0, 1024);
    HttpConfig http = HttpConfig.from(root.section("http"));
    return new TallyConfig(nodeId, eventLoops, roles,
        http,
        PostgresConfig.from(root.section("postgres")),
        JournalConfig.from(root.section("journal")),
        ShardConfig.from(root.section("shards")),
        ClusterConfig.from(root.section("cluster")),
        QueryConfig.from(root.section("query")),
        BasketConfig.from(root.section("baskets")),
        AdminConfig.from(root.section("admin")),
        MetricsConfig.from(root.section("metrics"), http),
        HealthConfig.from(root.section("health")),
        EventBusTlsConfig.from(root.section("cluster").section("tls")));
  }
}
