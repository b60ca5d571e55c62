package io.tally.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The bound on concurrent pool loads admits waiters in order as permits come back. */
@ExtendWith(VertxExtension.class)
class LoadLimiterTest {

  @Test
  void admitsNoMoreThanItsPermitsAndTheRestInArrivalOrder(Vertx vertx, VertxTestContext test) {
    LoadLimiter limiter = new LoadLimiter(vertx, 2);
    List<Integer> admitted = new ArrayList<>();
    List<Future<Void>> waits = new ArrayList<>();
    vertx.runOnContext(start -> {
      for (int i = 0; i < 5; i++) {
        int index = i;
        waits.add(limiter.acquire().onSuccess(v -> admitted.add(index)));
      }
      test.verify(() -> {
        assertTrue(waits.get(0).succeeded() && waits.get(1).succeeded());
        assertFalse(waits.get(2).isComplete(), "a third load waits for a permit");
      });
      limiter.release();
      waits.get(2).onComplete(third -> test.verify(() -> {
        assertFalse(waits.get(3).isComplete());
        limiter.release();
        limiter.release();
      }));
      Future.all(waits).onComplete(test.succeeding(all -> test.verify(() -> {
        assertEquals(List.of(0, 1, 2, 3, 4), admitted);
        test.completeNow();
      })));
    });
  }
}
