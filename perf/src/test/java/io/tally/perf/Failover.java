package io.tally.perf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
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
    Duration end = settings.warmup.plus(settings.duration);
    List<LoadSettings.Action> actions = settings.actions.stream()
        .sorted(Comparator.comparing(LoadSettings.Action::at)).toList();
    List<LoadRun.Window> windows = new ArrayList<>();
    windows.add(new LoadRun.Window("measured", settings.warmup, end, settings.multiple));
    Duration from = settings.warmup;
    String name = "before " + (actions.isEmpty() ? "the end" : actions.getFirst().name());
    for (LoadSettings.Action action : actions) {
      if (action.at().compareTo(from) > 0) {
        windows.add(new LoadRun.Window(name, from, action.at(), settings.multiple));
      }
      from = action.at();
      name = "after " + action.name();
    }
    if (end.compareTo(from) > 0) {
      windows.add(new LoadRun.Window(name, from, end, settings.multiple));
    }
    return windows;
  }
}
