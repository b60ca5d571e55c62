package io.tally.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the web room counts for the whole node, shared by every HTTP verticle instance: open connections and
 * availability WebSockets (which are also the limits' counters), sockets dropped or refused, and where
 * {@code GET /metrics} is answered from. The meters are listed in {@code docs/metrics.md}.
 */
public final class WebMeters {

  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger sockets = new AtomicInteger();
  private final Counter dropped;
  private final Counter refused;
  private final Optional<Handler<RoutingContext>> scrape;

  private WebMeters(MeterRegistry registry, Optional<Handler<RoutingContext>> scrape) {
    this.scrape = scrape;
    Gauge.builder("tally.http.connections", connections, AtomicInteger::get)
        .description("HTTP connections open on this node, WebSockets included").register(registry);
    Gauge.builder("tally.websocket.clients", sockets, AtomicInteger::get)
        .description("Availability WebSockets open on this node").register(registry);
    dropped = Counter.builder("tally.websocket.dropped")
        .description("Availability WebSockets closed because the client did not keep up").register(registry);
    refused = Counter.builder("tally.websocket.refused")
        .description("Availability WebSockets refused because query.maxWebSockets were open").register(registry);
  }

  /**
   * @param registry the node's registry: a Prometheus one when metrics are on, one that keeps nothing when they are
   *     off
   * @param onHttpPort whether {@code GET /metrics} is served on the HTTP port rather than on a management port
   */
  public static WebMeters of(MeterRegistry registry, boolean onHttpPort) {
    return new WebMeters(registry, onHttpPort && registry instanceof PrometheusMeterRegistry prometheus
        ? Optional.of(scraper(prometheus)) : Optional.empty());
  }

  /** The Prometheus text exposition of every meter in {@code registry}. */
  static Handler<RoutingContext> scraper(PrometheusMeterRegistry registry) {
    return PrometheusScrapingHandler.create(registry);
  }

  AtomicInteger connections() {
    return connections;
  }

  AtomicInteger sockets() {
    return sockets;
  }

  void socketDropped() {
    dropped.increment();
  }

  void socketRefused() {
    refused.increment();
  }

  /** The handler of {@code GET /metrics} on the HTTP port, if it is served there. */
  Optional<Handler<RoutingContext>> scrape() {
    return scrape;
  }
}
