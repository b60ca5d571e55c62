package io.tally.shard;

import io.vertx.core.Future;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.CopyOnWriteArrayList;

/** The membership of a node that runs alone: it is the whole cluster, with no peer to reach or to tell. */
public final class LocalMembership implements Membership {

  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private volatile Member self;
  private volatile List<Member> members;

  public LocalMembership(Member self) {
    this.self = self;
    this.members = List.of(self);
  }

  @Override
  public Member self() {
    return self;
  }

  @Override
  public List<Member> members() {
    return members;
  }

  @Override
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  @Override
  public Future<Void> announce(boolean joining, boolean leaving, SortedSet<Integer> served) {
    self = self.announcing(joining, leaving, served, Set.of());
    members = List.of(self);
    listeners.forEach(Runnable::run);
    return Future.succeededFuture();
  }
}
