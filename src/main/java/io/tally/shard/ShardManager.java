package io.tally.shard;

import io.micrometer.core.instrument.MeterRegistry;
import io.tally.config.ClusterConfig;
import io.tally.config.JournalConfig;
import io.tally.config.ShardConfig;
import io.tally.contract.PoolRequest;
import io.tally.contract.Reply;
import io.tally.journal.Journal;
import io.tally.pool.PoolCommand;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node hosting exactly the shards it owns, and hands shards over without a gap or a second decider.
 * Ownership is computed, not coordinated: every node ranks the live owners for each shard by rendezvous hashing
 * ({@link Ownership}) and the first one owns it. Whenever the view changes, the manager reconciles:
 *
 * <ul>
 *   <li><b>A shard gained</b> gets a host that holds its commands (awaiting), and the manager claims the shard from
 *       every live peer. A peer that hosts it but no longer owns it stops deciding, finishes its appends in
 *       flight and then answers "released"; a peer that still owns it in its own view answers "held" after a
 *       while, and is asked again. Once every live peer has released it (a peer that left the membership releases
 *       everything), the host decides what it held and serves.</li>
 *   <li><b>A shard lost</b> is kept serving until its new owner claims it, so that no command waits while the
 *       views converge; after {@code cluster.handoffTimeoutMs} without a claim it is let go anyway.</li>
 * </ul>
 *
 * <p>Routing needs none of this to be exact: a host that does not serve a command answers "not owner", naming the
 * owner it knows, and the journal's {@code (stream, seq)} key stops a second decider, should views ever disagree
 * for long. Stopping is a handoff too: the node announces that it leaves, the others claim its shards, and it
 * leaves once every peer has acknowledged that it hosts nothing. Everything here runs on the manager's own context.
 */
public final class ShardManager {

  private static final Logger log = LoggerFactory.getLogger(ShardManager.class);
  private static final long TICK_MS = 50;
  private static final long CLAIM_TIMEOUT_MS = 3_000;
  private static final long HOLD_MS = 1_000;
  private static final long UNREACHABLE_LOG_MS = 5_000;

  private final Vertx vertx;
  private final Journal journal;
  private final ShardConfig shardConfig;
  private final JournalConfig journalConfig;
  private final ClusterConfig clusterConfig;
  private final Membership membership;
  private final boolean aggregate;
  private final int hostContexts;
  private final LoadLimiter loads;
  private final Clock clock;
  private final HoldDeadlines deadlines;
  private final ShardMeters meters;
  private final Context context;
  private final List<Context> contexts = new CopyOnWriteArrayList<>();
  private final Map<Integer, ShardHost> hosts = new ConcurrentHashMap<>();
  private final Set<Integer> retiring = new HashSet<>();
  private final Map<Integer, Long> lostAt = new HashMap<>();
  private final Map<Integer, Set<String>> unreleased = new HashMap<>();
  private final Map<Integer, Long> awaitingSince = new HashMap<>();
  private final Map<Integer, Set<String>> claimants = new HashMap<>();
  private final Map<Integer, List<Promise<Boolean>>> releases = new HashMap<>();
  private final Set<String> claiming = new HashSet<>();
  private final DeliveryOptions claimOptions = new DeliveryOptions().setSendTimeout(CLAIM_TIMEOUT_MS);
  private final Promise<Void> joined = Promise.promise();
  private final Promise<Void> stopped = Promise.promise();
  private volatile boolean joining = true;
  private volatile boolean leaving;
  private boolean sweeping;
  private boolean joinRequested;
  private boolean finishing;
  private long stopStarted;
  private long lastUnreachableLog;
  private long ticker = -1;
  private volatile Owners owners;

  /**
   * @param hostContexts how many event-loop contexts the shard hosts are spread over (one per event loop)
   * @param clock the node's one clock, by which holds expire and cut-offs pass
   * @param deadlines where the pools with holds due are found, every {@code shards.holdSweepMs}
   * @param registry where the shard runtime's meters are kept
   */
  public ShardManager(Vertx vertx, Journal journal, ShardConfig shardConfig, JournalConfig journalConfig,
      ClusterConfig clusterConfig, Membership membership, boolean aggregate, int hostContexts, Clock clock,
      HoldDeadlines deadlines, MeterRegistry registry) {
    this.vertx = vertx;
    this.clock = clock;
    this.deadlines = deadlines;
    this.journal = journal;
    this.shardConfig = shardConfig;
    this.journalConfig = journalConfig;
    this.clusterConfig = clusterConfig;
    this.membership = membership;
    this.aggregate = aggregate;
    this.hostContexts = Math.max(1, hostContexts);
    this.loads = new LoadLimiter(vertx, shardConfig.maxConcurrentLoads());
    this.context = vertx.getOrCreateContext();
    this.meters = new ShardMeters(registry);
    meters.watch(registry, hosts::values, () -> owners().ownedBy(membership.self()).size());
  }

  /**
   * Starts following the membership, as a member that is still starting: the others keep serving the shards this
   * node will own, until {@link #join()}.
   */
  public Future<Void> start() {
    DeploymentOptions spread = new DeploymentOptions().setInstances(hostContexts);
    return vertx.deployVerticle(() -> new HostContext(contexts), spread).compose(deployed -> {
      Promise<Void> started = Promise.promise();
      context.runOnContext(v -> {
        membership.onChange(() -> context.runOnContext(change -> reconcile()));
        membership.announce(true, false, hosted());
        reconcile();
        if (aggregate) {
          vertx.setPeriodic(shardConfig.holdSweep().toMillis(), tick -> sweepHolds());
        }
        started.complete();
      });
      return started.future();
    });
  }

  /**
   * Becomes an owner once this node and every peer have reached each other's node address, and completes once
   * this node serves every shard it owns.
   */
  public Future<Void> join() {
    context.runOnContext(v -> {
      joinRequested = true;
      reconcile();
    });
    return joined.future();
  }

  /**
   * Hands every shard off and completes when this node hosts none and every peer has acknowledged that, or when
   * {@code cluster.handoffTimeoutMs} has passed without the others taking over (the last node of a cluster).
   */
  public Future<Void> stop() {
    context.runOnContext(v -> {
      if (!leaving) {
        leaving = true;
        stopStarted = System.nanoTime();
        log.info("Leaving: handing {} shards over", hosts.size());
        reconcile();
      }
    });
    return stopped.future();
  }

  /**
   * A command for a pool of a shard this node may host, from any thread: the shard's host takes it, or, when this
   * node does not host the shard, it is answered at once with "not owner" naming the owner in this node's view.
   */
  public void dispatch(PoolRequest request, Consumer<Reply> reply) {
    int shard = Shards.shardOf(request.poolId(), shardConfig.count());
    ShardHost host = hosts.get(shard);
    Consumer<Reply> counted = answer -> {
      meters.answered(answer);
      reply.accept(answer);
    };
    if (host != null) {
      host.submit(request, counted);
    } else {
      counted.accept(misdirected(shard));
    }
  }

  /**
   * A peer claims shards it now owns: answers, once each of them is no longer hosted here, which are released,
   * and after {@value #HOLD_MS} ms which are still held (this node still owns them in its view).
   */
  public Future<JsonObject> claim(JsonObject request) {
    Promise<JsonObject> answer = Promise.promise();
    context.runOnContext(v -> {
      String from = request.getString("from", "?");
      List<Integer> shards = new ArrayList<>();
      request.getJsonArray("shards", new JsonArray()).forEach(shard -> shards.add(((Number) shard).intValue()));
      Map<Integer, Future<Boolean>> outcomes = new HashMap<>();
      List<Promise<Boolean>> waiting = new ArrayList<>();
      for (int shard : shards) {
        if (!hosts.containsKey(shard) || shardConfig.alsoServe().contains(shard)) {
          outcomes.put(shard, Future.succeededFuture(true));
          continue;
        }
        Promise<Boolean> released = Promise.promise();
        releases.computeIfAbsent(shard, s -> new ArrayList<>()).add(released);
        claimants.computeIfAbsent(shard, s -> new HashSet<>()).add(from);
        waiting.add(released);
        outcomes.put(shard, released.future());
      }
      if (!waiting.isEmpty()) {
        vertx.setTimer(HOLD_MS, held -> waiting.forEach(release -> release.tryComplete(false)));
      }
      reconcile();
      Future.join(new ArrayList<>(outcomes.values())).onComplete(all -> {
        JsonArray released = new JsonArray();
        JsonArray held = new JsonArray();
        outcomes.forEach((shard, outcome) -> (Boolean.TRUE.equals(outcome.result()) ? released : held).add(shard));
        log.debug("Claim from {}: released {} held {}", from, released, held);
        answer.complete(new JsonObject().put("released", released).put("held", held));
      });
    });
    return answer.future();
  }

  /**
   * True when this node has joined, is not on its way out, and every shard is hosted by a live member: it can take
   * any request.
   */
  public boolean ready() {
    return notReadyBecause().isEmpty();
  }

  /** Why this node cannot take every request now, for {@code /health/ready}; empty when it can. */
  public Optional<String> notReadyBecause() {
    if (leaving) {
      return Optional.of("this node is stopping");
    }
    if (joining) {
      List<String> unreachable = membership.unreachable();
      return Optional.of(unreachable.isEmpty() ? "this node is starting"
          : "this node is starting: waiting to reach and be reached by " + unreachable);
    }
    if (!joined.future().isComplete()) {
      return Optional.of("this node is taking its shards over");
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
    return count == covered.length ? Optional.empty()
        : Optional.of((covered.length - count) + " shards have no serving owner yet");
  }

  /** The cluster as this node sees it, for {@code GET /cluster}. */
  public JsonObject status() {
    Owners owners = owners();
    JsonArray listed = new JsonArray();
    for (Member member : membership.members()) {
      listed.add(member.toJson().put("owns", member.owner() ? owners.ownedBy(member).size() : 0));
    }
    long awaiting = hosts.values().stream().filter(host -> host.state() == ShardHost.State.AWAITING).count();
    return new JsonObject().put("self", membership.self().name()).put("ready", ready())
        .put("shardCount", shardConfig.count()).put("awaiting", awaiting)
        .put("unreachable", new JsonArray(membership.unreachable())).put("members", listed);
  }

  /** How many pools this node holds in memory, over all the shards it hosts. */
  public Future<Integer> poolsInMemory() {
    List<Future<Integer>> counts = hosts.values().stream().map(ShardHost::poolsInMemory).toList();
    return Future.all(counts).map(all -> counts.stream().mapToInt(Future::result).sum());
  }

  /**
   * One reconciliation of what this node hosts with what it owns; idempotent, run after every change of the view,
   * every claim answered, every host retired, and every {@value #TICK_MS} ms while a handoff is under way.
   */
  private void reconcile() {
    long now = System.nanoTime();
    if (joinRequested && joining) {
      tryJoin(now);
    }
    List<Member> members = membership.members();
    Owners owners = owners();
    Member self = membership.self();
    SortedSet<Integer> owned = new TreeSet<>();
    if (aggregate && !joining && !leaving) {
      owned.addAll(owners.ownedBy(self));
      owned.addAll(shardConfig.alsoServe());
    }
    Set<String> peers = new HashSet<>();
    members.stream().map(Member::address).filter(address -> !address.equals(self.address())).forEach(peers::add);

    List<Integer> gained = new ArrayList<>();
    for (int shard : owned) {
      if (!hosts.containsKey(shard)) {
        gained.add(shard);
        boolean forced = shardConfig.alsoServe().contains(shard);
        hosts.put(shard, new ShardHost(shard, vertx, contexts.get(shard % contexts.size()), journal, shardConfig,
            journalConfig, loads, clock, forced ? ShardHost.State.SERVING : ShardHost.State.AWAITING,
            () -> misdirected(shard), meters));
        if (!forced) {
          unreleased.put(shard, new HashSet<>(peers));
          awaitingSince.put(shard, now);
        }
      }
    }
    List<Integer> letGo = new ArrayList<>();
    for (Map.Entry<Integer, ShardHost> entry : hosts.entrySet()) {
      int shard = entry.getKey();
      if (owned.contains(shard)) {
        lostAt.remove(shard);
        continue;
      }
      if (retiring.contains(shard)) {
        continue;
      }
      long since = lostAt.computeIfAbsent(shard, s -> now);
      boolean claimed = claimants.containsKey(shard);
      boolean unowned = owners.owner(shard).isEmpty();
      boolean notServedYet = entry.getValue().state() == ShardHost.State.AWAITING;
      boolean timedOut = now - since >= clusterConfig.handoffTimeout().toNanos();
      if (claimed || unowned || notServedYet || timedOut) {
        if (timedOut && !claimed && !unowned && !notServedYet) {
          log.atWarn().addKeyValue("shard", shard)
              .log("No owner claimed shard {} within {}; letting it go", shard, clusterConfig.handoffTimeout());
        }
        letGo.add(shard);
      }
    }
    if (!gained.isEmpty() || !letGo.isEmpty()) {
      log.info("Shards gained {} let go {}; owns {} of {}", describe(gained), describe(letGo), owned.size(),
          shardConfig.count());
    }
    letGo.forEach(this::retire);

    for (Map.Entry<Integer, Set<String>> entry : new ArrayList<>(unreleased.entrySet())) {
      int shard = entry.getKey();
      entry.getValue().retainAll(peers); // a peer that left released everything
      boolean timedOut = now - awaitingSince.get(shard) >= clusterConfig.handoffTimeout().toNanos();
      if (entry.getValue().isEmpty() || timedOut) {
        if (!entry.getValue().isEmpty()) {
          log.atWarn().addKeyValue("shard", shard).log("Shard {} still held by {} after {}; serving it anyway",
              shard, entry.getValue(), clusterConfig.handoffTimeout());
        }
        unreleased.remove(shard);
        awaitingSince.remove(shard);
        ShardHost host = hosts.get(shard);
        if (host != null && owned.contains(shard)) {
          host.serve();
        }
      }
    }
    claimFromPeers(members, self);
    announceIfChanged(self);
    if (!joining && unreleased.isEmpty() && !joined.future().isComplete()) {
      log.info("Serving {} shards", hosts.size());
      joined.tryComplete();
    }
    if (leaving) {
      finishIfHandedOff(now);
    }
    scheduleTicks();
  }

  /** Joins once every peer can be reached and can reach this node; until then, says who is missing now and then. */
  private void tryJoin(long now) {
    if (membership.reachable()) {
      joining = false;
      log.info("Every peer reaches this node; taking its shards");
      membership.announce(false, leaving, hosted()); // this node's own view counts it as an owner from now on
      return;
    }
    if (now - lastUnreachableLog > TimeUnit.MILLISECONDS.toNanos(UNREACHABLE_LOG_MS)) {
      lastUnreachableLog = now;
      log.info("Waiting to reach and be reached by {}", membership.unreachable());
    }
  }

  /** Asks each peer that has not released some awaiting shard for them, one claim in flight per peer. */
  private void claimFromPeers(List<Member> members, Member self) {
    Map<String, List<Integer>> wanted = new HashMap<>();
    unreleased.forEach((shard, holders) -> holders.forEach(peer ->
        wanted.computeIfAbsent(peer, p -> new ArrayList<>()).add(shard)));
    wanted.forEach((peer, shards) -> {
      if (!claiming.add(peer)) {
        return;
      }
      JsonObject claim = new JsonObject().put("kind", "claim").put("from", self.address())
          .put("shards", new JsonArray(shards));
      vertx.eventBus().<JsonObject>request(peer, claim, claimOptions)
          .onComplete(answered -> claiming.remove(peer))
          .onSuccess(answer -> answer.body().getJsonArray("released", new JsonArray()).forEach(shard -> {
            Set<String> holders = unreleased.get(((Number) shard).intValue());
            if (holders != null) {
              holders.remove(peer);
            }
          }))
          .onFailure(failure -> log.debug("Claim of {} shards from {} failed: {}", shards.size(), peer,
              failure.toString()))
          // a claim can fail before this call returns; the next reconciliation must not run inside this one
          .onComplete(answered -> context.runOnContext(v -> reconcile()));
    });
  }

  /**
   * Lets a shard go: its host stops deciding and finishes its appends in flight. The shard counts as released when
   * they are done, or after {@code cluster.handoffTimeoutMs} if an append never finishes (its database gone): the
   * journal's key still keeps a late commit and the new owner from both succeeding.
   */
  private void retire(int shard) {
    ShardHost host = hosts.get(shard);
    retiring.add(shard);
    lostAt.remove(shard);
    unreleased.remove(shard);
    awaitingSince.remove(shard);
    host.retire().timeout(clusterConfig.handoffTimeout().toMillis() + 1, TimeUnit.MILLISECONDS)
        .onFailure(late -> log.atWarn().addKeyValue("shard", shard)
            .log("Shard {} did not finish its appends within {}; released anyway", shard,
                clusterConfig.handoffTimeout()))
        .onComplete(done -> context.runOnContext(v -> {
          log.atDebug().addKeyValue("shard", shard).log("Shard {} retired", shard);
          hosts.remove(shard, host);
          retiring.remove(shard);
          claimants.remove(shard);
          List<Promise<Boolean>> waiting = releases.remove(shard);
          if (waiting != null) {
            waiting.forEach(release -> release.tryComplete(true));
          }
          reconcile();
        }));
  }

  /** Announces what this node hosts (awaiting or serving, not retiring) whenever that or its state changed. */
  private void announceIfChanged(Member self) {
    SortedSet<Integer> hosted = hosted();
    if (self.joining() != joining || self.leaving() != leaving || !self.served().equals(hosted)) {
      membership.announce(joining, leaving, hosted);
    }
  }

  /**
   * Once a leaving node hosts nothing, it waits until every peer has acknowledged that (so none sends it another
   * command), keeps answering for {@code cluster.unsubscribeGraceMs} whatever was already on its way, and is done.
   * Bounded by the handoff timeout, for peers that never answer.
   */
  private void finishIfHandedOff(long now) {
    if (finishing || !hosts.isEmpty()) {
      return;
    }
    finishing = true;
    log.info("Every shard handed off after {} ms; telling the peers", (now - stopStarted) / 1_000_000);
    membership.announce(joining, true, new TreeSet<>())
        .timeout(clusterConfig.handoffTimeout().toMillis() + 1, TimeUnit.MILLISECONDS)
        .onFailure(late -> log.warn("Not every peer acknowledged that this node left within {}",
            clusterConfig.handoffTimeout()))
        .onComplete(acknowledged -> {
          long grace = Math.max(1, clusterConfig.unsubscribeGrace().toMillis());
          vertx.setTimer(grace, done -> stopped.tryComplete());
        });
  }

  private void scheduleTicks() {
    boolean busy = !unreleased.isEmpty() || !lostAt.isEmpty() || !retiring.isEmpty() || (joinRequested && joining);
    if (busy && ticker < 0) {
      ticker = vertx.setPeriodic(TICK_MS, tick -> reconcile());
    } else if (!busy && ticker >= 0) {
      vertx.cancelTimer(ticker);
      ticker = -1;
    }
  }

  /**
   * Expires the holds whose time is up in the pools of the shards this node serves, whether or not the pools are in
   * memory: each due pool is sent an expiry, which its entity decides like any command (a pool whose holds were
   * expired meanwhile records nothing). This is what re-arms the holds of a shard taken over from a crashed node.
   */
  private void sweepHolds() {
    if (sweeping || leaving) {
      return;
    }
    sweeping = true;
    deadlines.poolsDueAt(clock.instant())
        .onSuccess(pools -> pools.forEach(poolId -> {
          ShardHost host = hosts.get(Shards.shardOf(poolId, shardConfig.count()));
          if (host != null && host.state() == ShardHost.State.SERVING) {
            host.submit(new PoolRequest.Decide(new PoolCommand.ExpireHolds(poolId)), reply -> {
              if (!reply.succeeded()) {
                log.debug("Expiring the holds of {} was answered {}; the next sweep tries again", poolId, reply);
              }
            });
          }
        }))
        .onFailure(failure -> log.warn("Could not look for holds to expire: {}", failure.toString()))
        .onComplete(done -> sweeping = false);
  }

  /**
   * Whether this node serves the shard that {@code id} falls in: a pool's id, or any other id spread over the shards
   * the same way (a basket's, whose recovery the server of its shard takes on).
   */
  public boolean serves(String id) {
    ShardHost host = hosts.get(Shards.shardOf(id, shardConfig.count()));
    return host != null && host.state() == ShardHost.State.SERVING;
  }

  /** "Not owner", naming the owner of {@code shard} in this node's view; "retry" if that is this node itself. */
  private Reply misdirected(int shard) {
    Optional<Member> owner = owners().owner(shard);
    if (owner.isEmpty() || owner.get().address().equals(membership.self().address())) {
      return Reply.retry("the pool's shard is being handed over; retry");
    }
    return Reply.notOwner(owner.get().name(), owner.get().address());
  }

  /** The owner of every shard in this node's current view, computed once per view; read on any thread. */
  ShardMeters meters() {
    return meters;
  }

  Owners owners() {
    List<Member> members = membership.members();
    Owners current = owners;
    if (current == null || !current.of(members)) {
      current = Owners.of(members, shardConfig.count());
      owners = current; // a race computes the same table twice, nothing worse
    }
    return current;
  }

  private SortedSet<Integer> hosted() {
    SortedSet<Integer> hosted = new TreeSet<>(hosts.keySet());
    hosted.removeAll(retiring);
    return hosted;
  }

  private static String describe(List<Integer> shards) {
    return shards.size() <= 16 ? shards.toString() : shards.size() + " shards";
  }

  /** An event-loop context for shard hosts; the manager deploys one per event loop and spreads the shards. */
  private static final class HostContext extends VerticleBase {
    private final List<Context> contexts;

    HostContext(List<Context> contexts) {
      this.contexts = contexts;
    }

    @Override
    public Future<?> start() {
      contexts.add(context);
      return Future.succeededFuture();
    }
  }
}
