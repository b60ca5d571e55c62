package io.tally.shard;

import io.tally.config.ClusterConfig;
import io.tally.config.JournalConfig;
import io.tally.config.ShardConfig;
import io.tally.journal.Journal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node serving exactly the shards it owns. Ownership is computed, not coordinated: every node ranks the
 * live aggregate members for each shard by rendezvous hashing ({@link Ownership}) and the first one owns it.
 * Whenever the membership changes, the manager deploys a {@link ShardVerticle} for each shard it gained and lets
 * go of each shard it lost once the new owner announces that it serves it, so a handoff leaves no gap.
 *
 * <p>Stopping is a handoff too: the node announces that it is leaving, the others take its shards over, and only
 * then are its shard verticles undeployed, finishing their appends in flight. Everything here runs on the
 * manager's own context, one reconciliation at a time.
 */
public final class ShardManager {

  private static final Logger log = LoggerFactory.getLogger(ShardManager.class);

  private final Vertx vertx;
  private final Journal journal;
  private final ShardConfig shardConfig;
  private final JournalConfig journalConfig;
  private final ClusterConfig clusterConfig;
  private final Membership membership;
  private final boolean aggregate;
  private final LoadLimiter loads;
  private final Context context;
  private final Map<Integer, Deployment> deployments = new HashMap<>();
  private final Set<Future<Void>> unsubscribing = new HashSet<>();
  private final List<Promise<Void>> waiting = new ArrayList<>();
  private boolean reconciling;
  private boolean joining = true;
  private boolean leaving;
  private Promise<Void> handedOff;
  private boolean finishing;

  public ShardManager(Vertx vertx, Journal journal, ShardConfig shardConfig, JournalConfig journalConfig,
      ClusterConfig clusterConfig, Membership membership, boolean aggregate) {
    this.vertx = vertx;
    this.journal = journal;
    this.shardConfig = shardConfig;
    this.journalConfig = journalConfig;
    this.clusterConfig = clusterConfig;
    this.membership = membership;
    this.aggregate = aggregate;
    this.loads = new LoadLimiter(vertx, shardConfig.maxConcurrentLoads());
    this.context = vertx.getOrCreateContext();
  }

  /**
   * Starts following the membership, as a member that is still starting: the others keep serving the shards this
   * node will own, until {@link #join()}.
   */
  public Future<Void> start() {
    Promise<Void> started = Promise.promise();
    context.runOnContext(v -> {
      membership.onChange(() -> context.runOnContext(change -> reconcile()));
      membership.announce(true, false, served());
      reconcile().onComplete(started);
    });
    return started.future();
  }

  /** Announces that this node can serve now, and completes once it serves the shards it owns. */
  public Future<Void> join() {
    Promise<Void> joined = Promise.promise();
    context.runOnContext(v -> {
      joining = false;
      membership.announce(false, leaving, served());
      reconcile().onComplete(joined);
    });
    return joined.future();
  }

  /**
   * Hands every shard off and completes when none is served here any more: to the new owners once they serve
   * them, or after {@code cluster.handoffTimeoutMs} when no one takes over (the last node of a cluster).
   */
  public Future<Void> stop() {
    Promise<Void> stopped = Promise.promise();
    context.runOnContext(v -> {
      leaving = true;
      handedOff = stopped;
      long timer = vertx.setTimer(Math.max(1, clusterConfig.handoffTimeout().toMillis()), expired -> {
        if (!deployments.isEmpty()) {
          log.warn("No owner took over shards {} within {}; letting go", new TreeSet<>(deployments.keySet()),
              clusterConfig.handoffTimeout());
        }
        undeploy(new ArrayList<>(deployments.keySet())).onComplete(released -> {
          membership.announce(joining, true, served());
          finishHandoff();
        });
      });
      stopped.future().onComplete(done -> vertx.cancelTimer(timer));
      membership.announce(joining, true, served());
      reconcile();
    });
    return stopped.future();
  }

  /** True when every shard has a live member that serves it, and this node is not on its way out. */
  public boolean ready() {
    Member self = membership.self();
    if (self.joining() || self.leaving()) {
      return false;
    }
    boolean[] covered = new boolean[shardConfig.count()];
    int count = 0;
    for (Member member : membership.members()) {
      for (int shard : member.served()) {
        if (shard < covered.length && !covered[shard]) {
          covered[shard] = true;
          count++;
        }
      }
    }
    return count == covered.length;
  }

  /** The cluster as this node sees it, for {@code GET /cluster}. */
  public JsonObject status() {
    List<Member> members = membership.members();
    List<String> owners = members.stream().filter(Member::owner).map(Member::name).toList();
    JsonArray listed = new JsonArray();
    for (Member member : members) {
      listed.add(member.toJson().put("owns", member.owner()
          ? Ownership.owned(member.name(), owners, shardConfig.count()).size() : 0));
    }
    return new JsonObject().put("self", membership.self().name()).put("ready", ready())
        .put("shardCount", shardConfig.count()).put("members", listed);
  }

  /** Asks for a reconciliation; completes after one that started after this call has finished. */
  private Future<Void> reconcile() {
    Promise<Void> done = Promise.promise();
    waiting.add(done);
    if (!reconciling) {
      pass();
    }
    return done.future();
  }

  /** One reconciliation: deploy the shards gained, let go of the shards lost, announce what is served. */
  private void pass() {
    reconciling = true;
    List<Promise<Void>> answered = new ArrayList<>(waiting);
    waiting.clear();
    List<Member> members = membership.members();
    List<String> owners = members.stream().filter(Member::owner).map(Member::name).toList();
    SortedSet<Integer> owned = new TreeSet<>();
    if (aggregate && !joining && !leaving) {
      owned.addAll(Ownership.owned(membership.self().name(), owners, shardConfig.count()));
      owned.addAll(shardConfig.alsoServe());
    }
    List<Integer> gained = owned.stream().filter(shard -> !deployments.containsKey(shard)).toList();
    List<Integer> lost = deployments.keySet().stream().filter(shard -> !owned.contains(shard))
        .filter(shard -> takenOver(shard, owners, members)).sorted().toList();
    if (!gained.isEmpty() || !lost.isEmpty()) {
      log.info("Shards gained {} lost {}", describe(gained), describe(lost));
    }
    deploy(gained).compose(deployed -> undeploy(lost)).onComplete(changed -> {
      if (!served().equals(membership.self().served())) {
        membership.announce(joining, leaving, served());
      }
      reconciling = false;
      answered.forEach(Promise::tryComplete);
      if (leaving && deployments.isEmpty()) {
        finishHandoff();
      }
      if (!waiting.isEmpty()) {
        pass();
      }
    });
  }

  /** A lost shard is let go once its new owner serves it, so that commands always find a consumer. */
  private static boolean takenOver(int shard, List<String> owners, List<Member> members) {
    Optional<String> owner = Ownership.ownerOf(shard, owners);
    // with no owner left (a single node stopping, the last aggregate node leaving) there is no one to wait for
    return owner.isEmpty() || members.stream()
        .anyMatch(member -> member.name().equals(owner.get()) && member.served().contains(shard));
  }

  private record Deployment(String id, ShardVerticle verticle) {
  }

  private Future<Void> deploy(List<Integer> shards) {
    List<Future<String>> started = new ArrayList<>();
    for (int shard : shards) {
      ShardVerticle verticle = new ShardVerticle(shard, journal, shardConfig, journalConfig, loads);
      started.add(vertx.deployVerticle(verticle).onSuccess(id -> deployments.put(shard, new Deployment(id, verticle))));
    }
    return Future.join(started).mapEmpty();
  }

  /**
   * Lets shards go: each stops deciding at once (answering "retry"), finishes its appends in flight, and stays
   * subscribed for {@code cluster.unsubscribeGraceMs} so that no sender's message is lost to a stale subscription,
   * then is undeployed. Completes when the shards no longer decide anything; the undeploy follows on its own.
   */
  private Future<Void> undeploy(List<Integer> shards) {
    List<Future<Void>> retired = new ArrayList<>();
    for (int shard : shards) {
      Deployment deployment = deployments.remove(shard);
      if (deployment != null) {
        Future<Void> drained = deployment.verticle().retire()
            .onComplete(done -> log.debug("Shard {} retired", shard));
        long grace = clusterConfig.enabled() ? clusterConfig.unsubscribeGrace().toMillis() : 0;
        Future<Void> gone = drained.compose(done -> grace > 0 ? vertx.timer(grace) : Future.succeededFuture())
            .compose(elapsed -> vertx.undeploy(deployment.id()));
        unsubscribing.add(gone);
        gone.onComplete(done -> unsubscribing.remove(gone));
        retired.add(drained);
      }
    }
    return Future.join(retired).mapEmpty();
  }

  private SortedSet<Integer> served() {
    return new TreeSet<>(deployments.keySet());
  }

  /** Once the last shard is let go, completes the stop after the retired shards have unsubscribed. */
  private void finishHandoff() {
    if (handedOff == null || !deployments.isEmpty() || finishing) {
      return;
    }
    finishing = true;
    log.debug("Every shard is handed off; waiting for {} to unsubscribe", unsubscribing.size());
    Future.join(new ArrayList<>(unsubscribing)).onComplete(unsubscribed -> handedOff.tryComplete());
  }

  private static String describe(List<Integer> shards) {
    return shards.size() <= 16 ? shards.toString() : shards.size() + " shards";
  }
}
