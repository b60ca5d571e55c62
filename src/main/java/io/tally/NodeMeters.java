package io.tally;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.config.MetricsConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The node's one meter registry, which Vert.x's own meters (HTTP, event bus, pools, JVM) and Tally's share. Each
 * node has its own, never the global one, so that nodes sharing a JVM (as in the tests) never mix their counts.
 * Off, the registry keeps nothing and Vert.x measures nothing.
 */
final class NodeMeters {

  /**
   * The histogram buckets of every latency Tally keeps and of HTTP responses: fixed, so that a p99 can be read
   * against the 200 ms goal and summed across nodes.
   */
  private static final double[] LATENCY_BUCKETS = Stream.of(1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000,
      5_000, 10_000).mapToDouble(ms -> Duration.ofMillis(ms).toNanos()).toArray();

  private NodeMeters() {
  }

  static MeterRegistry registry(MetricsConfig config) {
    if (!config.enabled()) {
      return new CompositeMeterRegistry(); // without registries in it, a meter keeps nothing
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new FileDescriptorMetrics().bindTo(registry); // Vert.x binds the JVM's meters, but not this one
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (id.getType() == Meter.Type.TIMER && (id.getName().startsWith("tally.")
            || id.getName().equals("vertx.http.server.response.time"))) {
          return DistributionStatisticConfig.builder().serviceLevelObjectives(LATENCY_BUCKETS).build().merge(config);
        }
        return config;
      }
    });
    return registry;
  }

  /**
   * Vert.x measuring into {@code registry}, when metrics are on: HTTP by route, method and status (never by path,
   * whose values have no bound), the PostgreSQL pool and its statements, worker pools and the JVM. The event bus and
   * raw TCP are not measured: they cost a meter lookup per message or buffer, several per reservation, and say
   * little that Tally's own meters do not (an address label is out of the question anyway: reply addresses are
   * unique, so it would grow without bound).
   */
  static VertxBuilder builder(VertxOptions options, MetricsConfig config, MeterRegistry registry) {
    VertxBuilder builder = Vertx.builder();
    if (config.enabled()) {
      MicrometerMetricsOptions metrics = new MicrometerMetricsOptions();
      Stream.of(MetricsDomain.EVENT_BUS, MetricsDomain.NET_CLIENT, MetricsDomain.NET_SERVER,
          MetricsDomain.DATAGRAM_SOCKET, MetricsDomain.VERTICLES).forEach(metrics::addDisabledMetricsCategory);
      options.setMetricsOptions(metrics.setEnabled(true).setJvmMetricsEnabled(true)
          .setRegistryName("tally-" + UUID.randomUUID())
          .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE,
              Label.POOL_NAME)));
      builder.withMetrics(new MicrometerMetricsFactory(registry));
    }
    return builder.with(options);
  }
}
