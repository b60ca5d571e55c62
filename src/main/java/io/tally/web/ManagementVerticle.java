package io.tally.web;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.contract.Refusal;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;

/**
 * The management port ({@code metrics.port}): {@code GET /metrics} apart from the storefront's port, so that the
 * load balancer and the public network never see it. It is an admin route here too; the port only moves it.
 */
public final class ManagementVerticle extends VerticleBase {

  private final PrometheusMeterRegistry registry;
  private final AdminAccess admin;
  private final String host;
  private final int port;
  private HttpServer server;

  public ManagementVerticle(PrometheusMeterRegistry registry, AdminAccess admin, String host, int port) {
    this.registry = registry;
    this.admin = admin;
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/metrics").handler(admin).handler(WebMeters.scraper(registry));
    router.errorHandler(404, ctx -> HttpVerticle.refuse(ctx, Refusal.notFound("route_not_found",
        "the management port serves only GET /metrics")));
    router.errorHandler(500, ctx -> HttpVerticle.refuse(ctx,
        ctx.failure() instanceof Refusal refusal ? refusal : Refusal.internal())); // the admin check's refusal
    router.errorHandler(405, ctx -> HttpVerticle.refuse(ctx, new Refusal(405, "method_not_allowed",
        ctx.request().method() + " is not allowed on " + ctx.request().path())));
    server = vertx.createHttpServer();
    return server.requestHandler(router).listen(port, host);
  }

  /** The port the server listens on (useful when configured with port 0). */
  public int actualPort() {
    return server.actualPort();
  }
}
