package io.tally.shard;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.tally.config.ClusterConfig;
import io.tally.config.Role;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership over Hazelcast. What never changes about a node (name, roles, HTTP address) travels as Hazelcast
 * member attributes, so a member is known the moment it joins and forgotten the moment Hazelcast drops it; what
 * changes (leaving, shards served) is announced in the replicated map {@code tally.members}, keyed by Hazelcast
 * member id and mirrored locally by an entry listener, so reading the view never leaves the node.
 */
public final class HazelcastMembership implements Membership {

  private static final Logger log = LoggerFactory.getLogger(HazelcastMembership.class);
  private static final String NAME = "tally.node";
  private static final String ROLES = "tally.roles";
  private static final String HTTP = "tally.http";
  private static final String STATES = "tally.members";

  /**
   * Hazelcast's partition count, which every process in the cluster must share, sibling services included. Vert.x
   * keeps event-bus subscriptions in Hazelcast, and sends to an address whose subscriptions changed wait while
   * partitions migrate; 71 partitions (rather than 271) migrate faster when members come and go.
   */
  public static final int PARTITIONS = 71;
  public static final String PARTITION_COUNT = "hazelcast.partition.count";

  private final HazelcastInstance hazelcast;
  private final IMap<String, String> states;
  private final Map<String, JsonObject> announced = new ConcurrentHashMap<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final String selfId;
  private volatile List<Member> view = List.of();

  /**
   * The Hazelcast configuration of a node: the Vert.x defaults ({@code default-cluster.xml}), TCP join to the
   * configured members only, fast failure detection, nothing sent outside the listed addresses, and this node's
   * name, roles and HTTP address as member attributes.
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
        .setAttribute(HTTP, self.http());
    config.getMapConfig(STATES).setBackupCount(1);
    return config;
  }

  public HazelcastMembership(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
    this.selfId = hazelcast.getCluster().getLocalMember().getUuid().toString();
    this.states = hazelcast.getMap(STATES);
    states.addEntryListener(new StateListener(), true);
    states.forEach((id, json) -> announced.put(id, new JsonObject(json)));
    hazelcast.getCluster().addMembershipListener(new Listener());
    refresh();
  }

  @Override
  public Member self() {
    return view.stream().filter(member -> member.name().equals(selfName())).findFirst().orElseThrow();
  }

  @Override
  public List<Member> members() {
    return view;
  }

  @Override
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  /**
   * Updates this node's view at once and writes the state to the shared map in the background: a cluster that is
   * shrinking can hold map operations for a long time, and nothing here may wait for that.
   */
  @Override
  public void announce(boolean joining, boolean leaving, SortedSet<Integer> served) {
    JsonObject state = new JsonObject().put("joining", joining).put("leaving", leaving)
        .put("served", new JsonArray(new ArrayList<>(served)));
    announced.put(selfId, state);
    refresh();
    states.setAsync(selfId, state.encode()).whenComplete((done, failure) -> {
      if (failure != null) {
        log.warn("Could not announce this node's state: {}", failure.toString());
      }
    });
  }

  private String selfName() {
    return hazelcast.getCluster().getLocalMember().getAttribute(NAME);
  }

  /** Rebuilds the view from Hazelcast's live members and the announced states, then tells the listeners. */
  private synchronized void refresh() {
    List<Member> members = new ArrayList<>();
    Set<String> live = new HashSet<>();
    for (com.hazelcast.cluster.Member member : hazelcast.getCluster().getMembers()) {
      String name = member.getAttribute(NAME);
      if (name == null) {
        continue; // a process in the cluster that is not a Tally node, such as a sibling service
      }
      String id = member.getUuid().toString();
      live.add(id);
      // a member that has announced nothing yet is still starting
      JsonObject state = announced.getOrDefault(id, new JsonObject().put("joining", true));
      SortedSet<Integer> served = new TreeSet<>();
      state.getJsonArray("served", new JsonArray()).forEach(shard -> served.add(((Number) shard).intValue()));
      members.add(new Member(name, roles(member.getAttribute(ROLES)), member.getAttribute(HTTP),
          state.getBoolean("joining", false), state.getBoolean("leaving", false), served));
    }
    announced.keySet().retainAll(live);
    members.sort(Comparator.comparing(Member::name));
    for (int i = 1; i < members.size(); i++) {
      if (members.get(i).name().equals(members.get(i - 1).name())) {
        log.error("Two live members are both named {}: give every node its own node.id", members.get(i).name());
      }
    }
    view = List.copyOf(members);
    listeners.forEach(Runnable::run);
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
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      log.info("Member {} left", event.getMember().getAttribute(NAME));
      String id = event.getMember().getUuid().toString();
      announced.remove(id);
      refresh();
      states.removeAsync(id);
    }
  }

  private final class StateListener implements EntryAddedListener<String, String>,
      EntryUpdatedListener<String, String>, EntryRemovedListener<String, String> {
    @Override
    public void entryAdded(EntryEvent<String, String> event) {
      announced.put(event.getKey(), new JsonObject(event.getValue()));
      refresh();
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      announced.put(event.getKey(), new JsonObject(event.getValue()));
      refresh();
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> event) {
      announced.remove(event.getKey());
      refresh();
    }
  }
}
