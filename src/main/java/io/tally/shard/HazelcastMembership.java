package io.tally.shard;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import io.tally.config.ClusterConfig;
import io.tally.config.Role;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership over Hazelcast, with the changing part told node to node. Who is alive comes from Hazelcast's member
 * list, and what never changes about a node (name, roles, HTTP address, node address) travels as Hazelcast member
 * attributes, so a member is known the moment it joins and forgotten the moment Hazelcast drops it. What changes
 * (starting, leaving, shards hosted, peers reached) travels as pings between node addresses: every announcement is
 * pushed to every peer at once, every peer's answer carries its own state, and every peer is pinged again each
 * {@code cluster.heartbeatMs} so that nothing missed stays missed. No Hazelcast map is involved: Hazelcast holds
 * map operations and may drop entry events while members come and go, which is exactly when this state matters.
 *
 * <p>A ping answered is also proof that the peer's node address is reachable from here: a node joins only once it
 * has reached every peer and every peer has reached it (see {@link #reachable()}).
 */
public final class HazelcastMembership implements Membership {

  private static final Logger log = LoggerFactory.getLogger(HazelcastMembership.class);
  private static final String NAME = "tally.node";
  private static final String ROLES = "tally.roles";
  private static final String HTTP = "tally.http";
  private static final String ADDRESS = "tally.address";
  private static final long PING_TIMEOUT_MS = 1_000;
  private static final long TICK_MS = 100;

  /**
   * Hazelcast's partition count, which every process in the cluster must share, sibling services included. Vert.x
   * keeps event-bus subscriptions in Hazelcast; 71 partitions (rather than 271) migrate faster when members come
   * and go.
   */
  public static final int PARTITIONS = 71;
  public static final String PARTITION_COUNT = "hazelcast.partition.count";

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final Context gossip;
  private final int ticksPerRound;
  private final Map<String, Member> known = new ConcurrentHashMap<>();
  private final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
  private final Set<String> pinging = ConcurrentHashMap.newKeySet();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final Set<String> reached = ConcurrentHashMap.newKeySet();
  private final DeliveryOptions pingOptions = new DeliveryOptions().setSendTimeout(PING_TIMEOUT_MS);
  private volatile Member self;
  private volatile List<Member> view = List.of();
  private volatile boolean closed;
  private long ticks;
  private long timer;

  private record Waiter(long version, Promise<Void> promise) {
  }

  /**
   * The Hazelcast configuration of a node: the Vert.x defaults ({@code default-cluster.xml}), TCP join to the
   * configured members only, fast failure detection, nothing sent outside the listed addresses, and this node's
   * name, roles, HTTP address and node address as member attributes.
   */
  public static Config configure(ClusterConfig cluster, Member self) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster.name());
    var network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false).setPublicAddress(cluster.host() + ":" + cluster.port());
    if (cluster.host().matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      // an address, as on one machine: bind to it alone; a host name (a container's) binds where it resolves
      network.getInterfaces().setEnabled(true).setInterfaces(List.of(cluster.host()));
      config.setProperty("hazelcast.socket.bind.any", "false");
      config.setProperty("hazelcast.local.localAddress", cluster.host());
    }
    var join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members()).setConnectionTimeoutSeconds(2);
    long heartbeat = Math.max(1, cluster.heartbeat().toSeconds());
    long failure = Math.max(2, cluster.failureTimeout().toSeconds());
    config.setProperty("hazelcast.heartbeat.interval.seconds", Long.toString(heartbeat));
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(failure));
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    config.setProperty("hazelcast.max.wait.seconds.before.join", "3");
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty(PARTITION_COUNT, Integer.toString(PARTITIONS));
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.getMemberAttributeConfig()
        .setAttribute(NAME, self.name())
        .setAttribute(ROLES, String.join(",", self.roles().stream().map(Role::wireName).sorted().toList()))
        .setAttribute(HTTP, self.http())
        .setAttribute(ADDRESS, self.address());
    return config;
  }

  /** Starts following Hazelcast's members and talking to them; {@code self} is this node as it starts. */
  public HazelcastMembership(Vertx vertx, HazelcastInstance hazelcast, Member self, ClusterConfig cluster) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.self = self;
    this.gossip = vertx.getOrCreateContext();
    this.ticksPerRound = (int) Math.max(1, cluster.heartbeat().toMillis() / TICK_MS);
    hazelcast.getCluster().addMembershipListener(new Listener());
    refresh();
    gossip.runOnContext(v -> {
      timer = vertx.setPeriodic(TICK_MS, tick -> tick());
      pingPeers(false);
    });
  }

  @Override
  public Member self() {
    return self;
  }

  @Override
  public List<Member> members() {
    return view;
  }

  @Override
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  /** Updates this node's view at once, then pushes the new state to every peer. */
  @Override
  public Future<Void> announce(boolean joining, boolean leaving, SortedSet<Integer> served) {
    return publish(current -> current.announcing(joining, leaving, served, reached));
  }

  /** Makes {@code change} of this node's state its newest announcement and pushes it to every peer. */
  private Future<Void> publish(UnaryOperator<Member> change) {
    Member announced;
    synchronized (this) {
      announced = change.apply(self);
      self = announced;
    }
    refresh();
    Promise<Void> acknowledgedByAll = Promise.promise();
    gossip.runOnContext(v -> {
      waiters.add(new Waiter(announced.version(), acknowledgedByAll));
      settleWaiters();
      pingPeers(true);
    });
    return acknowledgedByAll.future();
  }

  @Override
  public List<String> unreachable() {
    Member me = self;
    List<String> missing = new ArrayList<>();
    for (Member peer : view) {
      if (!peer.address().equals(me.address())
          && (!me.reached().contains(peer.address()) || !peer.reached().contains(me.address()))) {
        missing.add(peer.name());
      }
    }
    return missing;
  }

  @Override
  public JsonObject exchange(JsonObject peerState) {
    learn(peerState);
    return self.state();
  }

  @Override
  public void close() {
    closed = true;
    gossip.runOnContext(v -> vertx.cancelTimer(timer));
  }

  /** Keeps the newest state each peer announced, whether it came in its ping or in its answer to ours. */
  private void learn(JsonObject state) {
    String address = state == null ? null : state.getString("address");
    if (address == null || address.equals(self.address())) {
      return;
    }
    long version = state.getLong("version", 0L);
    Member before = known.get(address);
    if (before != null && before.version() >= version) {
      return;
    }
    Member live = view.stream().filter(member -> member.address().equals(address)).findFirst().orElse(null);
    if (live == null) {
      // a ping from a member this node's Hazelcast has not listed yet: keep it for when it does
      known.put(address, Member.starting("?", Set.of(), "", address).withState(state));
      return;
    }
    known.put(address, live.withState(state));
    refresh();
  }

  /** Every {@value #TICK_MS} ms: ping the peers that are behind; every {@code cluster.heartbeatMs}, every peer. */
  private void tick() {
    ticks++;
    pingPeers(ticks % ticksPerRound != 0);
  }

  /** Pings each live peer with this node's state, or only the peers not yet reached or behind its latest one. */
  private void pingPeers(boolean onlyBehind) {
    if (closed) {
      return;
    }
    Member me = self;
    for (Member peer : view) {
      String address = peer.address();
      if (address.equals(me.address()) || pinging.contains(address)) {
        continue;
      }
      if (onlyBehind && reached.contains(address) && acknowledged.getOrDefault(address, -1L) >= me.version()) {
        continue;
      }
      ping(peer, me);
    }
  }

  private void ping(Member peer, Member me) {
    String address = peer.address();
    pinging.add(address);
    vertx.eventBus().<JsonObject>request(address, new JsonObject().put("kind", "ping").put("state", me.state()),
        pingOptions)
        .onComplete(answered -> pinging.remove(address))
        .onFailure(failure -> log.debug("Ping of {} failed: {}", peer.name(), failure.toString())) // tried next tick
        .onSuccess(answer -> {
          acknowledged.merge(address, me.version(), Math::max);
          learn(answer.body());
          if (reached.add(address)) {
            log.info("Reached {} at {}", peer.name(), address);
            publish(current -> current.announcing(current.joining(), current.leaving(), current.served(), reached));
          }
          settleWaiters();
        });
  }

  /** Completes the announcements every live peer has acknowledged (or left without acknowledging). */
  private void settleWaiters() {
    Member me = self;
    Iterator<Waiter> each = waiters.iterator();
    while (each.hasNext()) {
      Waiter waiter = each.next();
      boolean all = view.stream().filter(peer -> !peer.address().equals(me.address()))
          .allMatch(peer -> acknowledged.getOrDefault(peer.address(), -1L) >= waiter.version());
      if (all) {
        waiter.promise().tryComplete();
        each.remove();
      }
    }
  }

  /** Rebuilds the view from Hazelcast's live members and the states they announced, then tells the listeners. */
  private synchronized void refresh() {
    List<Member> members = new ArrayList<>();
    Set<String> live = new HashSet<>();
    Map<String, Integer> names = new HashMap<>();
    for (com.hazelcast.cluster.Member member : hazelcast.getCluster().getMembers()) {
      String name = member.getAttribute(NAME);
      String address = member.getAttribute(ADDRESS);
      if (name == null || address == null) {
        continue; // a process in the cluster that is not a Tally node, such as a sibling service
      }
      live.add(address);
      names.merge(name, 1, Integer::sum);
      if (address.equals(self.address())) {
        members.add(self);
        continue;
      }
      Member attributes = Member.starting(name, roles(member.getAttribute(ROLES)), member.getAttribute(HTTP), address);
      Member state = known.get(address);
      members.add(state == null ? attributes : new Member(name, attributes.roles(), attributes.http(), address,
          state.version(), state.joining(), state.leaving(), state.served(), state.reached()));
    }
    known.keySet().retainAll(live);
    acknowledged.keySet().retainAll(live);
    if (reached.retainAll(live)) {
      self = self.announcing(self.joining(), self.leaving(), self.served(), reached);
      members.replaceAll(member -> member.address().equals(self.address()) ? self : member);
    }
    members.sort(Comparator.comparing(Member::name).thenComparing(Member::joining));
    names.forEach((name, count) -> {
      if (count > 1) {
        log.warn("{} live members are named {}: a restarted node whose old process is not yet dropped, or two "
            + "nodes sharing a node.id", count, name);
      }
    });
    view = List.copyOf(members);
    listeners.forEach(Runnable::run);
    if (!closed) {
      gossip.runOnContext(v -> settleWaiters());
    }
  }

  private static Set<Role> roles(String names) {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    if (names != null) {
      for (String name : names.split(",")) {
        for (Role role : Role.values()) {
          if (role.wireName().equals(name)) {
            roles.add(role);
          }
        }
      }
    }
    return roles;
  }

  private final class Listener implements MembershipListener {
    @Override
    public void memberAdded(MembershipEvent event) {
      log.info("Member {} joined", event.getMember().getAttribute(NAME));
      refresh();
      gossip.runOnContext(v -> pingPeers(true));
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      log.info("Member {} left", event.getMember().getAttribute(NAME));
      refresh();
    }
  }
}
