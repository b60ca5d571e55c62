package io.tally.shard;

import io.vertx.core.Future;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Several nodes' memberships in one process, sharing one view that every announcement changes at once, for tests
 * of the handoff protocol without Hazelcast. A member crashes by being dropped from the view.
 */
final class InMemoryCluster {

  private final Map<String, Member> members = new ConcurrentHashMap<>();
  private final Map<String, View> views = new ConcurrentHashMap<>();
  /** The members in name order, replaced (never changed) on every change, as a real membership's view is. */
  private volatile List<Member> view = List.of();

  /** A new member, still starting, and its view of the cluster. */
  Membership join(Member self) {
    View view = new View(self);
    views.put(self.address(), view);
    members.put(self.address(), self);
    changed();
    return view;
  }

  /**
   * The member consuming {@code address} disappears from every view, as a crashed or departed process does; it
   * hears of no change any more.
   */
  void drop(String address) {
    View view = views.remove(address);
    if (view != null) {
      view.listeners.clear();
    }
    members.remove(address);
    changed();
  }

  private void changed() {
    view = members.values().stream().sorted(Comparator.comparing(Member::name)).toList();
    views.values().forEach(view -> view.listeners.forEach(Runnable::run));
  }


  private final class View implements Membership {
    private final String address;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile Member last;

    View(Member self) {
      this.address = self.address();
      this.last = self;
    }

    @Override
    public Member self() {
      Member current = members.get(address);
      return current == null ? last : current;
    }

    @Override
    public List<Member> members() {
      return view;
    }

    @Override
    public void onChange(Runnable listener) {
      listeners.add(listener);
    }

    @Override
    public Future<Void> announce(boolean joining, boolean leaving, SortedSet<Integer> served) {
      Member before = members.get(address);
      if (before != null) {
        Set<String> everyone = members.keySet().stream().collect(Collectors.toSet());
        last = before.announcing(joining, leaving, served, everyone);
        members.put(address, last);
        changed();
      }
      return Future.succeededFuture();
    }
  }
}
