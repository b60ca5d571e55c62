package io.tally;

import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.core.spi.JsonFactory;
import io.vertx.core.spi.json.JsonCodec;

/**
 * Makes Vert.x encode and decode {@code JsonObject}s with Jackson's streaming parser and generator. Vert.x would
 * otherwise use Jackson databind whenever it is on the class path (Tally has it for stored events), which costs
 * more time and garbage per request for JSON that is only ever maps, lists, strings, numbers and booleans.
 */
public final class CoreJsonFactory implements JsonFactory {

  private static final JsonCodec CODEC = new JacksonCodec();

  @Override
  public int order() {
    return 0;
  }

  @Override
  public JsonCodec codec() {
    return CODEC;
  }
}
