package io.tally.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.audit.Audit;
import io.tally.contract.Views;
import io.tally.pool.Pool;
import io.tally.support.Http;
import io.tally.support.Http.Response;
import io.tally.support.JournalReplay;
import io.tally.support.Pools;
import io.tally.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Generated requests over every route (I5): 10,000 per run, from a fixed seed so that every run sends the same ones,
 * each with valid and broken ids, bodies and query parameters, with and without the admin token. Every answer must
 * be below 500, every 4xx must carry a JSON {@code error}, and no request may hang; afterwards every pool must be
 * what a replay of its journal gives, and the audit must pass.
 */
class HttpFuzzIT {

  private static final List<String> POOLS = List.of("fz-0", "fz-1", "fz-2");
  private static TestNode node;
  private static Http admin;
  private static Http anonymous;

  /** One generated request. */
  record Request(HttpMethod method, String path, String body, boolean withToken) {
  }

  @BeforeContainer
  static void start() throws Exception {
    node = TestNode.start();
    admin = new Http(node.port());
    anonymous = Http.anonymous(node.port());
    for (int i = 0; i < POOLS.size(); i++) {
      assertEquals(201, admin.post("/pools", Pools.definition(POOLS.get(i), 3 + i * 5)).status());
    }
  }

  @AfterContainer
  static void stop() {
    admin.close();
    anonymous.close();
    node.close();
  }

  @Property(tries = 10_000, seed = "20261204", shrinking = ShrinkingMode.BOUNDED,
      generation = GenerationMode.RANDOMIZED, edgeCases = EdgeCasesMode.MIXIN)
  void everyRequestIsAnsweredBelow500AndEvery4xxIsAJsonError(@ForAll("requests") Request request) throws Exception {
    Http client = request.withToken() ? admin : anonymous;
    Response response = client.send(request.method(), request.path(),
            request.body() == null ? null : Buffer.buffer(request.body()))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS); // a hang fails the property
    assertTrue(response.status() < 500, request + " -> " + response.status() + " " + response.raw());
    // what the requests did, so that a generator that only ever hits 404s shows here and fails the coverage below
    Statistics.label("status").collect(response.status() / 100 + "xx");
    Statistics.label("status").coverage(coverage -> {
      coverage.check("2xx").percentage(p -> p >= 5);
      coverage.check("4xx").percentage(p -> p >= 20);
    });
    if (response.status() >= 400) {
      assertTrue(response.contentType() != null && response.contentType().startsWith("application/json"),
          request + " -> " + response.status() + " " + response.contentType());
      assertTrue(response.body() != null && response.body().getValue("error") instanceof String,
          request + " -> " + response.status() + " " + response.raw());
    }
  }

  @AfterProperty
  void everyPoolIsWhatItsJournalReplays() throws Exception {
    Map<String, Pool> replayed = JournalReplay.pools(node.databaseUrl());
    assertTrue(replayed.keySet().containsAll(POOLS), replayed.keySet().toString());
    for (Map.Entry<String, Pool> pool : replayed.entrySet()) {
      Response live = admin.get("/pools/" + URLEncoder.encode(pool.getKey(), StandardCharsets.UTF_8));
      assertEquals(200, live.status(), pool.getKey());
      JsonObject expected = Views.pool(pool.getValue(), 0);
      JsonObject actual = live.body().copy();
      actual.remove("version");
      expected.remove("version");
      assertEquals(expected, actual, pool.getKey());
    }
    io.vertx.sqlclient.Pool sql = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(node.databaseUrl()))
        .using(node.vertx()).build();
    try {
      Audit.Report report = Audit.run(sql).await();
      assertTrue(report.passed(), report.problems().toString());
    } finally {
      sql.close().await();
    }
  }

  @Provide
  Arbitrary<Request> requests() {
    Arbitrary<String> pool = Arbitraries.oneOf(Arbitraries.of(POOLS), Arbitraries.strings().withCharRange('a', 'z')
        .ofMinLength(1).ofMaxLength(12), junk());
    Arbitrary<String> reservation = Arbitraries.oneOf(
        Combinators.combine(Arbitraries.of(POOLS), Arbitraries.longs().between(-2, 40)).as((p, n) -> p + "~" + n),
        junk());
    Arbitrary<String> route = Arbitraries.oneOf(
        pool.map(p -> "/pools/" + segment(p)),
        pool.map(p -> "/pools/" + segment(p) + "/reservations"),
        pool.map(p -> "/pools/" + segment(p) + "/holds"),
        pool.map(p -> "/pools/" + segment(p) + "/events"),
        pool.map(p -> "/pools/" + segment(p) + "/reset"),
        reservation.map(r -> "/reservations/" + segment(r)),
        reservation.map(r -> "/holds/" + segment(r)),
        reservation.map(r -> "/holds/" + segment(r) + "/confirm"),
        junk().map(b -> "/baskets/" + segment(b)),
        Arbitraries.of("/pools", "/baskets", "/availability", "/events", "/reports/demand", "/projections",
            "/projections/demand/pause", "/projections/demand/resume", "/projections/nothing/rebuild", "/cluster",
            "/health/live", "/health/ready", "/console/board", "/console/cluster", "/console/", "/console/nothing",
            "/ws/availability", "/ws/console", "/ws/availability?region=R&x=", "/ws/console?region=R&x=", "/metrics",
            "/", "/nothing/here"));
    Arbitrary<String> query = Arbitraries.oneOf(Arbitraries.just(""),
        Combinators.combine(Arbitraries.of("at", "after", "limit", "dryRun", "region", "from", "to", "units",
            "regionUnknown"), Arbitraries.oneOf(junk(), Arbitraries.of("2026-12-01", "2026-12-01T10:00:00Z", "0:0",
            "true", "-1", "5000", "R")))
            // appended to a route that may have a query already: there "?name=value" is part of the last value
            .as((name, value) -> "?" + name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8)));
    Arbitrary<HttpMethod> method = Arbitraries.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PATCH,
        HttpMethod.DELETE, HttpMethod.PUT);
    Arbitrary<String> body = Arbitraries.oneOf(Arbitraries.just((String) null), contractBody().map(JsonObject::encode),
        json(3).map(value -> value == null ? "null" : io.vertx.core.json.Json.encode(value)), junk());
    Arbitrary<Request> anything = Combinators.combine(method, route, query, body, Arbitraries.of(true, true, true,
        false)).as((m, r, q, b, token) -> new Request(m, r + q, b, token));
    return Arbitraries.frequencyOf(Tuple.of(3, valid()), Tuple.of(7, anything));
  }

  /** Requests a storefront or an operator sends, so that the pools change while the rest is thrown at them. */
  private Arbitrary<Request> valid() {
    Arbitrary<String> pool = Arbitraries.of(POOLS);
    Arbitrary<Integer> n = Arbitraries.integers().between(1, 30);
    return Arbitraries.oneOf(
        Combinators.combine(pool, n, Arbitraries.integers().between(1, 3)).as((p, o, units) -> new Request(
            HttpMethod.POST, "/pools/" + p + "/reservations", Pools.order("o-" + o, units).encode(), false)),
        Combinators.combine(pool, n).as((p, r) -> new Request(HttpMethod.DELETE, "/reservations/" + p + "~" + r,
            null, false)),
        Combinators.combine(pool, n).as((p, o) -> new Request(HttpMethod.POST, "/pools/" + p + "/holds",
            Pools.order("h-" + o, 1).encode(), false)),
        pool.map(p -> new Request(HttpMethod.GET, "/pools/" + p, null, true)),
        pool.map(p -> new Request(HttpMethod.GET, "/pools/" + p + "/events", null, true)),
        Arbitraries.just(new Request(HttpMethod.POST, "/availability", new JsonObject().put("region", "SW1A")
            .put("from", "2026-12-01").put("to", "2026-12-08").encode(), false)));
  }

  /** A body shaped like a contract request, with each field valid, wrong or missing. */
  private Arbitrary<JsonObject> contractBody() {
    Arbitrary<Object> value = Arbitraries.oneOf(json(2), Arbitraries.of(POOLS).map(p -> (Object) p),
        Arbitraries.integers().between(-5, 20).map(n -> (Object) n), Arbitraries.of("o-1", "o-2", "R", "delivery",
            "open", "closed", "2026-12-01T10:00:00Z", "PT2H").map(s -> (Object) s));
    Arbitrary<String> field = Arbitraries.of("poolId", "capacity", "slot", "regions", "orderId", "units", "region",
        "channel", "ttlSeconds", "status", "items", "from", "to", "at", "reason", "cutoff", "holdId");
    return Combinators.combine(field.list().ofMaxSize(6), value.list().ofSize(6)).as((names, values) -> {
      JsonObject body = new JsonObject();
      for (int i = 0; i < names.size(); i++) {
        body.put(names.get(i), values.get(i));
      }
      if (body.getValue("slot") != null && !(body.getValue("slot") instanceof JsonObject)) {
        body.put("slot", new JsonObject().put("start", "2026-12-01T10:00:00Z").put("end", "2026-12-01T12:00:00Z"));
      }
      return body;
    });
  }

  /** Any JSON value, nested up to {@code depth}. */
  private Arbitrary<Object> json(int depth) {
    Arbitrary<Object> leaf = Arbitraries.oneOf(Arbitraries.just((Object) null),
        Arbitraries.of(true, false).map(b -> (Object) b),
        Arbitraries.longs().map(n -> (Object) n), Arbitraries.doubles().map(d -> (Object) d),
        Arbitraries.strings().ofMaxLength(40).map(s -> (Object) s));
    if (depth == 0) {
      return leaf;
    }
    return Arbitraries.oneOf(leaf, json(depth - 1).list().ofMaxSize(4).map(items -> (Object) new JsonArray(items)),
        Combinators.combine(Arbitraries.strings().ofMaxLength(8).list().ofMaxSize(4), json(depth - 1).list()
            .ofSize(4)).as((keys, values) -> {
              JsonObject object = new JsonObject();
              for (int i = 0; i < keys.size(); i++) {
                object.put(keys.get(i), values.get(i));
              }
              return (Object) object;
            }));
  }

  /** Strings no well-behaved client sends: control characters, any Unicode, a tilde, very long. */
  private static Arbitrary<String> junk() {
    return Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(30), Arbitraries.strings().withChars('~', '%',
        '/', '?', '#', '.', ' ', '"').ofMaxLength(8), Arbitraries.strings().alpha().ofLength(300));
  }

  private static String segment(String raw) {
    return URLEncoder.encode(raw, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
