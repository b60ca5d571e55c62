package io.tally.perf;

import io.vertx.core.Future;

/**
 * One kind of request a phase repeats: an HTTP reservation or a PostgreSQL insert.
 *
 * <p>Keeping the request behind this seam lets the closed-loop and open-loop drivers, which own all the timing
 * rules, be shared by every phase.
 */
@FunctionalInterface
interface Load {

  /**
   * Starts one request on the current event loop.
   *
   * @param loop index of the event loop the caller runs on
   * @param slot the caller's lane on that loop, stable for a closed-loop lane
   * @return the request's {@link Outcome} key; a failed future counts as a transport error
   */
  Future<String> call(int loop, int slot);
}
