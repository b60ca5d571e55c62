package io.tally.shard;

import io.tally.config.JournalConfig;
import io.tally.config.ShardConfig;
import io.tally.journal.Journal;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys a {@link ShardVerticle} for every shard this node owns and undeploys them on stop, finishing their
 * in-flight work first. Each shard gets its own verticle, so its pools' commands run on one context.
 */
public final class ShardManager {

  private static final Logger log = LoggerFactory.getLogger(ShardManager.class);

  private final Vertx vertx;
  private final Journal journal;
  private final ShardConfig shardConfig;
  private final JournalConfig journalConfig;
  private final Map<Integer, String> deployments = new ConcurrentHashMap<>();

  public ShardManager(Vertx vertx, Journal journal, ShardConfig shardConfig, JournalConfig journalConfig) {
    this.vertx = vertx;
    this.journal = journal;
    this.shardConfig = shardConfig;
    this.journalConfig = journalConfig;
  }

  /** Starts serving every shard on this node (a single node owns them all). */
  public Future<Void> start() {
    List<Future<String>> started = new ArrayList<>();
    for (int shard = 0; shard < shardConfig.count(); shard++) {
      started.add(deploy(shard));
    }
    return Future.all(started).onSuccess(all -> log.info("Serving {} shards", deployments.size())).mapEmpty();
  }

  /** Hands every shard off: stop consuming, finish appends in flight, answer the rest "retry". */
  public Future<Void> stop() {
    List<Future<Void>> stopped = new ArrayList<>();
    deployments.forEach((shard, id) -> stopped.add(vertx.undeploy(id)));
    deployments.clear();
    return Future.join(stopped).mapEmpty();
  }

  /** True when every shard has a serving owner. */
  public boolean ready() {
    return deployments.size() == shardConfig.count();
  }

  public int ownedShards() {
    return deployments.size();
  }

  private Future<String> deploy(int shard) {
    return vertx.deployVerticle(new ShardVerticle(shard, journal, shardConfig, journalConfig),
        new DeploymentOptions()).onSuccess(id -> deployments.put(shard, id));
  }
}
