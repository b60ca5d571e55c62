package io.tally.perf;

import java.util.List;

/**
 * {@link Steady} against several nodes while the deployment is disturbed: {@code -Dkill.command} runs at
 * {@code -Dkill.at} seconds (e.g. a SIGKILL of one node), {@code -Drestart.command} at {@code -Drestart.at} (start
 * it again) and {@code -Dgraceful.command} at {@code -Dgraceful.at} (stop another node with SIGTERM and start it
 * again). The run is reported in windows between those moments, and for each moment the seconds with errors after
 * it (the error window) and the slowest request.
 */
public class Failover extends Steady {

  public Failover() {
    this("failover");
  }

  protected Failover(String scenario) {
    super(scenario, false);
  }

  @Override
  protected List<LoadRun.Window> windows() {
    return actionWindows(null);
  }
}
