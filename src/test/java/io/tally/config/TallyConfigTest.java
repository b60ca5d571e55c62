package io.tally.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Configuration comes from {@code conf/tally.json}, then the file named by {@code TALLY_CONFIG}, then environment
 * variables, later sources winning key by key; a bad value stops start-up with a message naming the key.
 */
class TallyConfigTest {

  private Vertx vertx;

  @TempDir
  Path directory;

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void closeVertx() {
    vertx.close().await();
  }

  private TallyConfig load(Map<String, String> env) {
    return ConfigLoader.load(vertx, env).await();
  }

  private String file(String name, String json) throws IOException {
    return Files.writeString(directory.resolve(name), json).toString();
  }

  private ConfigException refusal(Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> load(env));
  }

  @Test
  void theDefaultsRunOneNodeWithEveryRoleAndAnEmbeddedDatabase() {
    TallyConfig config = load(Map.of());
    assertEquals(8080, config.http().port());
    assertEquals(Set.of(Role.WEB, Role.AGGREGATE, Role.QUERY), config.roles());
    assertEquals(Path.of("./data"), config.postgres().dataDir());
    assertEquals(Optional.empty(), config.postgres().url());
    assertEquals(128, config.shards().count());
  }

  @Test
  void clusteringIsOnWhenMembersAreNamed() {
    assertTrue(!load(Map.of()).cluster().enabled(), "a single node by default");
    TallyConfig config = load(Map.of("TALLY_CLUSTER_MEMBERS", "127.0.0.1:5701, 127.0.0.1:5702",
        "TALLY_CLUSTER_PORT", "5702", "TALLY_ROLES", "aggregate"));
    assertTrue(config.cluster().enabled());
    assertEquals(java.util.List.of("127.0.0.1:5701", "127.0.0.1:5702"), config.cluster().members());
    assertEquals(5702, config.cluster().port());
    assertEquals("127.0.0.1", config.cluster().host());
    assertTrue(config.cluster().failureTimeout().toSeconds() <= 5, "a crashed member is dropped within 5 s");
    assertEquals(Set.of(Role.AGGREGATE), config.roles());
  }

  @Test
  void shardsServedBeyondOwnershipMustExist() throws IOException {
    String node = file("split.json", "{\"shards\": {\"alsoServe\": [3, 17]}}");
    assertEquals(Set.of(3, 17), load(Map.of("TALLY_CONFIG", node)).shards().alsoServe());
    String bad = file("bad-split.json", "{\"shards\": {\"alsoServe\": [128]}}");
    assertEquals("shards.alsoServe", refusal(Map.of("TALLY_CONFIG", bad)).key());
  }

  @Test
  void aFailureTimeoutShorterThanTwoHeartbeatsIsRefused() throws IOException {
    String node = file("fast.json", "{\"cluster\": {\"heartbeatMs\": 2000, \"failureTimeoutMs\": 3000}}");
    assertEquals("cluster.failureTimeoutMs", refusal(Map.of("TALLY_CONFIG", node)).key());
  }

  @Test
  void basketsMustBeRecoveredBeforeTheirHoldsExpire() throws IOException {
    assertEquals(Duration.ofSeconds(60), load(Map.of()).baskets().holdTtl());
    String slow = file("slow-baskets.json", "{\"baskets\": {\"holdTtlSeconds\": 5, \"recoverAfterMs\": 4500}}");
    assertEquals("baskets.recoverAfterMs", refusal(Map.of("TALLY_CONFIG", slow)).key());
  }

  @Test
  void theFileNamedByTallyConfigOverridesOnlyTheKeysItNames() throws IOException {
    String node = file("node-1.json", "{\"http\": {\"port\": 9090}, \"node\": {\"id\": \"node-1\"}}");
    TallyConfig config = load(Map.of("TALLY_CONFIG", node));
    assertEquals(9090, config.http().port());
    assertEquals("node-1", config.nodeId());
    assertEquals(128, config.shards().count());
    assertEquals(Set.of(Role.WEB, Role.AGGREGATE, Role.QUERY), config.roles());

    JsonObject merged = ConfigLoader.loadJson(vertx, Map.of("TALLY_CONFIG", node)).await();
    JsonObject http = merged.getJsonObject("http");
    assertEquals(9090, http.getInteger("port"));
    assertEquals("0.0.0.0", http.getString("host"), "keys the file does not name keep their defaults");
    assertEquals(65536, http.getInteger("maxBodyBytes"));
  }

  @Test
  void anEnvironmentVariableBeatsTheDefaults() {
    assertEquals(9191, load(Map.of("TALLY_HTTP_PORT", "9191")).http().port());
  }

  @Test
  void anEnvironmentVariableBeatsTheFileNamedByTallyConfig() throws IOException {
    String node = file("node-1.json", "{\"http\": {\"port\": 9090}, \"shards\": {\"count\": 64}}");
    TallyConfig config = load(Map.of("TALLY_CONFIG", node, "TALLY_HTTP_PORT", "9191"));
    assertEquals(9191, config.http().port());
    assertEquals(64, config.shards().count());
  }

  @Test
  void anEnvironmentVariableOverridesOnlyItsOwnKey() {
    JsonObject merged = ConfigLoader.loadJson(vertx, Map.of("TALLY_HTTP_PORT", "9191")).await();
    assertEquals("0.0.0.0", merged.getJsonObject("http").getString("host"));
    assertEquals(65536, merged.getJsonObject("http").getInteger("maxBodyBytes"));
  }

  @Test
  void rolesAreACommaSeparatedListInTheEnvironment() {
    assertEquals(Set.of(Role.WEB, Role.AGGREGATE), load(Map.of("TALLY_ROLES", "web, aggregate")).roles());
    assertEquals(Set.of(Role.QUERY), load(Map.of("TALLY_ROLES", "query")).roles());
  }

  @Test
  void aPostgresUrlInTheEnvironmentReplacesTheEmbeddedDatabase() {
    String url = "postgresql://tally:secret@db:5432/tally";
    assertEquals(Optional.of(url), load(Map.of("TALLY_PG_URL", url)).postgres().url());
  }

  @Test
  void theAdminTokenComesFromTheEnvironmentAndIsNeverPrinted() {
    String token = "0123456789abcdef0123456789abcdef";
    TallyConfig config = load(Map.of("TALLY_ADMIN_TOKEN", token));
    assertEquals(Optional.of(token), config.admin().token());
    assertTrue(!config.toString().contains(token), config.toString());
    assertEquals(Optional.empty(), load(Map.of()).admin().token(), "no token by default");
    assertTrue(!refusal(Map.of("TALLY_ADMIN_TOKEN", "tooShort")).getMessage().contains("tooShort"),
        "a refused token is not echoed either");
  }

  @Test
  void metricsAreOnAndServedOnTheHttpPortUnlessAManagementPortIsGiven() {
    TallyConfig defaults = load(Map.of());
    assertTrue(defaults.metrics().enabled());
    assertEquals(java.util.OptionalInt.empty(), defaults.metrics().port());
    TallyConfig apart = load(Map.of("TALLY_METRICS_PORT", "9090", "TALLY_HTTP_HOST", "10.0.0.5"));
    assertEquals(java.util.OptionalInt.of(9090), apart.metrics().port());
    assertEquals("10.0.0.5", apart.metrics().host(), "the management port listens where HTTP does by default");
    assertTrue(!load(Map.of("TALLY_METRICS_ENABLED", "false")).metrics().enabled());
  }

  @Test
  void livenessBoundsDefaultToSecondsAndTheJournalBoundMustOutlastAProbe() throws IOException {
    TallyConfig defaults = load(Map.of());
    assertEquals(Duration.ofSeconds(5), defaults.health().loopBlocked());
    assertEquals(Duration.ofSeconds(30), defaults.health().journalUnreachable());
    String hasty = file("hasty.json", "{\"health\": {\"probeMs\": 2000, \"journalUnreachableMs\": 1000}}");
    assertEquals("health.journalUnreachableMs", refusal(Map.of("TALLY_CONFIG", hasty)).key());
  }

  @Test
  void eventBusTlsNeedsBothStoresAsReadableFilesAndHidesItsPasswords() throws IOException {
    assertTrue(!load(Map.of()).eventBusTls().enabled(), "a plain event bus by default");
    String keys = file("node.p12", "not checked here: Vert.x reads it at start-up");
    String trust = file("trust.p12", "the same");
    TallyConfig config = load(Map.of("TALLY_EVENTBUS_KEYSTORE", keys, "TALLY_EVENTBUS_TRUSTSTORE", trust,
        "TALLY_EVENTBUS_KEYSTORE_PASSWORD", "s3cret-key-pass", "TALLY_EVENTBUS_TRUSTSTORE_PASSWORD", "s3cret-trust"));
    assertTrue(config.eventBusTls().enabled());
    assertTrue(!config.toString().contains("s3cret"), config.toString());
    assertEquals("cluster.tls.trustStore", refusal(Map.of("TALLY_EVENTBUS_KEYSTORE", keys)).key());
    assertEquals("cluster.tls.keyStore", refusal(Map.of("TALLY_EVENTBUS_KEYSTORE", keys + ".missing",
        "TALLY_EVENTBUS_TRUSTSTORE", trust)).key());
  }

  @Test
  void onlyTheSingleNodeOnTheEmbeddedDatabaseIsTheEmbeddedDefault() {
    assertTrue(load(Map.of()).embeddedSingleNode());
    assertTrue(!load(Map.of("TALLY_PG_URL", "postgresql://db/tally")).embeddedSingleNode());
    assertTrue(!load(Map.of("TALLY_CLUSTER_MEMBERS", "127.0.0.1:5701")).embeddedSingleNode());
  }

  @Test
  void anEmptyPostgresUrlInTheEnvironmentKeepsTheEmbeddedDatabase() {
    assertEquals(Optional.empty(), load(Map.of("TALLY_PG_URL", "")).postgres().url());
  }

  @Test
  void aTallyConfigNamingAMissingFileStopsStartUpNamingTallyConfig() {
    String missing = directory.resolve("absent.json").toString();
    ConfigException failure = refusal(Map.of("TALLY_CONFIG", missing));
    assertTrue(failure.getMessage().contains("TALLY_CONFIG"), failure.getMessage());
    assertTrue(failure.getMessage().contains(missing), failure.getMessage());
  }

  @Test
  void aTallyConfigFileThatIsNotJsonStopsStartUpNamingTallyConfig() throws IOException {
    String broken = file("broken.json", "{\"http\": {\"port\": 9090");
    ConfigException failure = refusal(Map.of("TALLY_CONFIG", broken));
    assertTrue(failure.getMessage().contains("TALLY_CONFIG"), failure.getMessage());
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', textBlock = """
      TALLY_HTTP_PORT | abc       | http.port
      TALLY_HTTP_PORT | 70000     | http.port
      TALLY_HTTP_PORT | -1        | http.port
      TALLY_HTTP_PORT | 80.5      | http.port
      TALLY_ROLES     | boss      | roles
      TALLY_ROLES     | web, boss | roles
      TALLY_ROLES     | ' , '     | roles
      TALLY_SHARDS    | 0         | shards.count
      TALLY_SHARDS    | 4097      | shards.count
      TALLY_PG_URL    | mysql://x | postgres.url
      TALLY_PG_POOL_SIZE | 0      | postgres.poolSize
      TALLY_NODE_ID   | node 1    | node.id
      TALLY_CLUSTER_MEMBERS | nohost | cluster.members
      TALLY_CLUSTER_MEMBERS | 'a:1, b' | cluster.members
      TALLY_CLUSTER_PORT | 0      | cluster.port
      TALLY_EVENTBUS_PORT | x     | cluster.eventBusPort
      TALLY_EVENT_LOOPS | -2      | node.eventLoops
      TALLY_ADMIN_TOKEN | short   | admin.token
      TALLY_ADMIN_TOKEN | 'has a space in it here' | admin.token
      TALLY_METRICS_PORT | 70000 | metrics.port
      TALLY_METRICS_PORT | 8080 | metrics.port
      TALLY_METRICS_ENABLED | sometimes | metrics.enabled
      """)
  void aBadValueStopsStartUpNamingTheKeyAndTheVariable(String variable, String value, String key) {
    ConfigException failure = refusal(Map.of(variable, value));
    assertEquals(key, failure.key());
    assertTrue(failure.getMessage().contains(key), failure.getMessage());
    assertTrue(failure.getMessage().contains(variable), failure.getMessage());
  }

  @Test
  void aBadValueInTheFileNamedByTallyConfigNamesTheKey() throws IOException {
    String node = file("node-1.json", "{\"http\": {\"port\": 70000}}");
    ConfigException failure = refusal(Map.of("TALLY_CONFIG", node));
    assertEquals("http.port", failure.key());
    assertTrue(failure.getMessage().contains("70000"), failure.getMessage());
  }

  @Test
  void aSectionThatIsNotAnObjectNamesTheSection() throws IOException {
    String node = file("node-1.json", "{\"shards\": 128}");
    assertEquals("shards", refusal(Map.of("TALLY_CONFIG", node)).key());
  }
}
