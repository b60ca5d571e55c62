package io.tally.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads the configuration in an explicit order, later sources winning key by key: {@code conf/tally.json} (from
 * the working directory, else the copy inside the jar), then the file named by {@code TALLY_CONFIG}, then the
 * environment variables of {@link EnvironmentOverrides}.
 */
public final class ConfigLoader {

  public static final String DEFAULTS = "conf/tally.json";

  private ConfigLoader() {
  }

  public static Future<TallyConfig> load(Vertx vertx, Map<String, String> env) {
    return loadJson(vertx, env).map(TallyConfig::from);
  }

  static Future<JsonObject> loadJson(Vertx vertx, Map<String, String> env) {
    ConfigRetrieverOptions options = new ConfigRetrieverOptions()
        .setIncludeDefaultStores(false)
        .setScanPeriod(-1)
        .addStore(file(DEFAULTS));
    String extra = env.get(EnvironmentOverrides.CONFIG_FILE);
    if (extra != null && !extra.isBlank()) {
      if (!Files.isRegularFile(Path.of(extra))) {
        return Future.failedFuture(new ConfigException(EnvironmentOverrides.CONFIG_FILE,
            "names " + extra + ", which is not a readable file"));
      }
      options.addStore(file(extra));
    }
    options.addStore(new ConfigStoreOptions().setType("json").setConfig(EnvironmentOverrides.from(env)));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
        .recover(failure -> Future.failedFuture(new ConfigException(EnvironmentOverrides.CONFIG_FILE,
            "could not read the configuration files: " + failure.getMessage())))
        .eventually(retriever::close);
  }

  private static ConfigStoreOptions file(String path) {
    return new ConfigStoreOptions().setType("file").setFormat("json").setConfig(new JsonObject().put("path", path));
  }
}
