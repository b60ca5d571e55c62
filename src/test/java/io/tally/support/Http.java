package io.tally.support;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/**
 * A small HTTP client for tests: real requests over loopback, answers as status plus JSON body. It sends the test
 * nodes' admin token with every request, as an operator's client would; {@link #anonymous} makes one that sends
 * none, as a storefront's.
 */
public final class Http implements AutoCloseable {

  /** The admin token every test node is started with (its config's {@code admin.token}). */
  public static final String ADMIN_TOKEN = "test-admin-token-7f3a9c1e5b2d4f60";

  /** An HTTP answer; {@code body} is the parsed JSON object, or null when the body was not one. */
  public record Response(int status, JsonObject body, String raw, String contentType, MultiMap headers) {
    public String error() {
      return body == null ? null : body.getString("error");
    }

    /**
     * Whether a define, reservation or hold took effect: 201, or 200, the contract's "the same again", which a
     * single request also gets when the node that took it had no answer from the owner in time and sent the
     * command again. A test that did not send a request twice accepts either; one about repeats asserts the code.
     */
    public boolean applied() {
      return status == 201 || status == 200;
    }
  }

  private final Vertx vertx;
  private final WebClient client;
  private final boolean ownsVertx;
  private final String authorization;

  public Http(int port) {
    this(Vertx.vertx(), port, true, 64, ADMIN_TOKEN);
  }

  public Http(Vertx vertx, int port, int connections) {
    this(vertx, port, false, connections, ADMIN_TOKEN);
  }

  private Http(Vertx vertx, int port, boolean ownsVertx, int connections, String token) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.authorization = token == null ? null : "Bearer " + token;
    this.client = WebClient.create(vertx,
        new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(connections));
  }

  /** A client on its own Vert.x that sends {@code token} as its bearer token, or no token when it is null. */
  public static Http withToken(int port, String token) {
    return new Http(Vertx.vertx(), port, true, 8, token);
  }

  /** A client that sends no token, as a storefront does. */
  public static Http anonymous(int port) {
    return withToken(port, null);
  }

  public Future<Response> send(HttpMethod method, String path, Buffer body) {
    var request = client.request(method, path);
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    Future<HttpResponse<Buffer>> sent = body == null ? request.send() : request.sendBuffer(body);
    return sent.map(Http::toResponse);
  }

  public Response call(HttpMethod method, String path, String body) {
    return send(method, path, body == null ? null : Buffer.buffer(body)).await();
  }

  public Response get(String path) {
    return call(HttpMethod.GET, path, null);
  }

  public Response post(String path, JsonObject body) {
    return call(HttpMethod.POST, path, body.encode());
  }

  public Response patch(String path, JsonObject body) {
    return call(HttpMethod.PATCH, path, body.encode());
  }

  public Response delete(String path) {
    return call(HttpMethod.DELETE, path, null);
  }

  @Override
  public void close() {
    client.close();
    if (ownsVertx) {
      vertx.close().await();
    }
  }

  private static Response toResponse(HttpResponse<Buffer> response) {
    Buffer buffer = response.body();
    String raw = buffer == null ? "" : buffer.toString();
    JsonObject json = null;
    try {
      Object value = raw.isEmpty() ? null : Json.decodeValue(raw);
      json = value instanceof JsonObject object ? object : null;
    } catch (RuntimeException notJson) {
      json = null;
    }
    return new Response(response.statusCode(), json, raw, response.getHeader("content-type"), response.headers());
  }
}
