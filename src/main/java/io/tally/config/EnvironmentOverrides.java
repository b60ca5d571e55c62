package io.tally.config;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The environment variables Tally reads and the configuration keys they override. They are applied last, so an
 * environment variable beats both {@code conf/tally.json} and the file named by {@code TALLY_CONFIG}.
 */
public final class EnvironmentOverrides {

  /** Names an extra JSON file applied over {@code conf/tally.json}. */
  public static final String CONFIG_FILE = "TALLY_CONFIG";

  private static final Map<String, String> KEYS = new LinkedHashMap<>();

  static {
    KEYS.put("TALLY_NODE_ID", "node.id");
    KEYS.put("TALLY_ROLES", "roles");
    KEYS.put("TALLY_EVENT_LOOPS", "node.eventLoops");
    KEYS.put("TALLY_HTTP_HOST", "http.host");
    KEYS.put("TALLY_HTTP_PORT", "http.port");
    KEYS.put("TALLY_PG_URL", "postgres.url");
    KEYS.put("TALLY_DATA_DIR", "postgres.dataDir");
    KEYS.put("TALLY_PG_PORT", "postgres.embeddedPort");
    KEYS.put("TALLY_PG_POOL_SIZE", "postgres.poolSize");
    KEYS.put("TALLY_CLUSTER_NAME", "cluster.name");
    KEYS.put("TALLY_CLUSTER_HOST", "cluster.host");
    KEYS.put("TALLY_CLUSTER_PORT", "cluster.port");
    KEYS.put("TALLY_CLUSTER_MEMBERS", "cluster.members");
    KEYS.put("TALLY_EVENTBUS_PORT", "cluster.eventBusPort");
    KEYS.put("TALLY_EVENTBUS_KEYSTORE", "cluster.tls.keyStore");
    KEYS.put("TALLY_EVENTBUS_KEYSTORE_PASSWORD", "cluster.tls.keyStorePassword");
    KEYS.put("TALLY_EVENTBUS_TRUSTSTORE", "cluster.tls.trustStore");
    KEYS.put("TALLY_EVENTBUS_TRUSTSTORE_PASSWORD", "cluster.tls.trustStorePassword");
    KEYS.put("TALLY_SHARDS", "shards.count");
    KEYS.put("TALLY_IDLE_EVICTION_MS", "shards.idleEvictionMs");
    KEYS.put("TALLY_SNAPSHOT_EVERY", "journal.snapshotEvery");
    KEYS.put("TALLY_ADMIN_TOKEN", "admin.token");
    KEYS.put("TALLY_METRICS_ENABLED", "metrics.enabled");
    KEYS.put("TALLY_METRICS_PORT", "metrics.port");
  }

  private EnvironmentOverrides() {
  }

  /** Every supported variable and its key, in documentation order. */
  public static Map<String, String> variables() {
    return Map.copyOf(KEYS);
  }

  static Optional<String> variableFor(String key) {
    return KEYS.entrySet().stream().filter(entry -> entry.getValue().equals(key)).map(Map.Entry::getKey)
        .findFirst();
  }

  /** The overrides present in {@code env}, as a JSON object shaped like {@code conf/tally.json}. */
  static JsonObject from(Map<String, String> env) {
    JsonObject overrides = new JsonObject();
    KEYS.forEach((variable, key) -> {
      String value = env.get(variable);
      if (value != null) {
        put(overrides, key, value);
      }
    });
    return overrides;
  }

  private static void put(JsonObject root, String dottedKey, String value) {
    String[] parts = dottedKey.split("\\.");
    JsonObject target = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject next = target.getJsonObject(parts[i]);
      if (next == null) {
        next = new JsonObject();
        target.put(parts[i], next);
      }
      target = next;
    }
    target.put(parts[parts.length - 1], value);
  }
}
