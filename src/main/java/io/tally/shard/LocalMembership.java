package io.tally.shard;

import java.util.List;
import java.util.SortedSet;
import java.util.concurrent.CopyOnWriteArrayList;

/** The membership of a node that runs alone: it is the whole cluster. */
public final class LocalMembership implements Membership {

  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private volatile Member self;

  public LocalMembership(Member self) {
    this.self = self;
  }

  @Override
  public Member self() {
    return self;
  }

  @Override
  public List<Member> members() {
    return List.of(self);
  }

  @Override
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  @Override
  public void announce(boolean joining, boolean leaving, SortedSet<Integer> served) {
    self = self.with(joining, leaving, served);
    listeners.forEach(Runnable::run);
  }
}
