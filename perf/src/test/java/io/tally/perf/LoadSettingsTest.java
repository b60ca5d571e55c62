package io.tally.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class LoadSettingsTest {

  private static LoadSettings settings(String... pairs) {
    Properties properties = new Properties();
    for (int i = 0; i < pairs.length; i += 2) {
      properties.setProperty(pairs[i], pairs[i + 1]);
    }
    return new LoadSettings("ramp", properties);
  }

  @Test
  void oneTimesIsTheBusyGrocerysPeakSecond() {
    LoadSettings tenTimes = settings("multiple", "10");

    assertEquals(5000, tenTimes.availabilityRate(tenTimes.multiple));
    assertEquals(500, tenTimes.checkoutRate(tenTimes.multiple));
  }

  @Test
  void rampLevelsFollowTheTimetableTheInjectionUses() {
    LoadSettings ramp = settings("from", "4", "step", "2", "levelSeconds", "30", "rampSeconds", "5",
        "warmup", "20");

    assertEquals(4, ramp.levelMultiple(0));
    assertEquals(10, ramp.levelMultiple(3));
    assertEquals(Duration.ofSeconds(20), ramp.levelStart(0));
    assertEquals(Duration.ofSeconds(20 + 35 * 2), ramp.levelStart(2));
  }

  @Test
  void urlsAreSplitAndTrailingSlashesDropped() {
    LoadSettings cluster = settings("urls", "http://127.0.0.1:8081/, http://127.0.0.1:8082");

    assertEquals(List.of(URI.create("http://127.0.0.1:8081"), URI.create("http://127.0.0.1:8082")), cluster.urls);
  }

  @Test
  void aCommandQuotedByTheMavenPluginIsUnquoted() {
    LoadSettings failover = settings("kill.command", "\"docker compose kill node-2\"", "kill.at", "60");

    assertEquals("docker compose kill node-2", failover.actions.getFirst().command());
    assertEquals(Duration.ofSeconds(60), failover.actions.getFirst().at());
  }

  @Test
  void aRollingRestartIsOneGracefulRestartPerNodeInTurn() {
    LoadSettings rolling = settings("rolling.command", "\"perf/load.sh node graceful {node} /tmp/run\"",
        "rolling.nodes", "n1, n2,n3", "rolling.at", "50,90.5,130");

    assertEquals(List.of(
        new LoadSettings.Action("graceful n1", Duration.ofSeconds(50), "perf/load.sh node graceful n1 /tmp/run",
            "rolling.at"),
        new LoadSettings.Action("graceful n2", Duration.ofMillis(90_500), "perf/load.sh node graceful n2 /tmp/run",
            "rolling.at"),
        new LoadSettings.Action("graceful n3", Duration.ofSeconds(130), "perf/load.sh node graceful n3 /tmp/run",
            "rolling.at")), rolling.actions);
  }

  @Test
  void actionsAreInTheOrderTheyRun() {
    LoadSettings both = settings("graceful.command", "restart n3", "graceful.at", "100", "kill.command", "kill n2",
        "kill.at", "60", "rolling.command", "roll {node}", "rolling.nodes", "n1", "rolling.at", "80");

    assertEquals(List.of("kill", "graceful n1", "graceful"), both.actions.stream().map(LoadSettings.Action::name)
        .toList());
  }

  @Test
  void theClientBoundsWhatEachUrlHasInFlight() {
    assertEquals(2000, settings().maxInFlight);
    assertEquals(8000, settings("maxInFlight", "8000").maxInFlight);
  }

  @Test
  void aBadValueNamesItsProperty() {
    assertMessage("-Dmultiple", () -> settings("multiple", "ten"));
    assertMessage("-Dmultiple", () -> settings("multiple", "-1"));
    assertMessage("-Ddays", () -> settings("days", "3"));
    assertMessage("-Durls", () -> settings("urls", "https://127.0.0.1"));
    assertMessage("-Dkill.at", () -> settings("kill.command", "kill -9 1"));
    assertMessage("-Dkill.at", () -> settings("kill.command", "kill -9 1", "kill.at", "150"));
    assertMessage("-DmaxInFlight", () -> settings("maxInFlight", "0"));
  }

  @Test
  void aRollingRestartThatCannotBeCarriedOutIsRefused() {
    assertMessage("-Drolling.command", () -> settings("rolling.command", "restart n1", "rolling.nodes", "n1",
        "rolling.at", "50"));
    assertMessage("-Drolling.nodes", () -> settings("rolling.command", "restart {node}", "rolling.at", "50"));
    assertMessage("-Drolling.nodes", () -> settings("rolling.command", "restart {node}", "rolling.nodes",
        "n1;reboot", "rolling.at", "50"));
    assertMessage("-Drolling.at", () -> settings("rolling.command", "restart {node}", "rolling.nodes", "n1,n2"));
    assertMessage("-Drolling.at", () -> settings("rolling.command", "restart {node}", "rolling.nodes", "n1,n2",
        "rolling.at", "50"));
    assertMessage("-Drolling.at", () -> settings("rolling.command", "restart {node}", "rolling.nodes", "n1,n2",
        "rolling.at", "90,50"));
    assertMessage("-Drolling.at", () -> settings("rolling.command", "restart {node}", "rolling.nodes", "n1,n2",
        "rolling.at", "50,soon"));
    assertMessage("-Drolling.at", () -> settings("rolling.command", "restart {node}", "rolling.nodes", "n1,n2",
        "rolling.at", "50,150"));
  }

  private static void assertMessage(String property, Runnable parse) {
    LoadSettings.Invalid invalid = assertThrows(LoadSettings.Invalid.class, parse::run);
    assertTrue(invalid.getMessage().contains(property), invalid.getMessage());
  }

  @Test
  void theBenchScenariosDefaultToWhatThePreviousGeneratorPutOnANode() {
    LoadSettings defaults = settings();

    assertEquals(64, defaults.concurrency);
    assertEquals(1000, defaults.pools);
    assertEquals(400, defaults.lagSamples);
    assertEquals(20, defaults.lagRate);
    assertEquals(Duration.ofSeconds(3 * 120), defaults.feedLimit);
    assertEquals(Duration.ZERO, defaults.settle);
  }

  @Test
  void aFixedRateMustBeGivenAndPositive() {
    LoadSettings.Invalid missing = assertThrows(LoadSettings.Invalid.class, () -> settings().requiredRate());
    assertTrue(missing.getMessage().contains("-Drate"), missing.getMessage());
    assertEquals(2500.5, settings("rate", "2500.5").requiredRate());
    assertThrows(LoadSettings.Invalid.class, () -> settings("rate", "0"));
    assertThrows(LoadSettings.Invalid.class, () -> settings("lag.rate", "5000"));
    assertThrows(LoadSettings.Invalid.class, () -> settings("concurrency", "0"));
  }
}
