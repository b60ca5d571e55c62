package io.tally;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tally.config.TallyConfig;
import io.tally.support.TestDatabase;
import io.tally.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A node that cannot start fails its start with the reason, instead of hanging. */
class StartIT {

  @Test
  void aNodeWhosePortIsTakenFailsItsStartWithTheReason() throws Exception {
    int port = TestNode.freePort();
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", port));
      JsonObject config = new JsonObject(Files.readString(Path.of("conf/tally.json")))
          .mergeIn(new JsonObject()
              .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port))
              .put("postgres", new JsonObject().put("url", TestDatabase.freshUrl())), true);

      // a start that hangs fails this with a TimeoutException instead
      ExecutionException failed = assertThrows(ExecutionException.class, () -> Node.start(TallyConfig.from(config))
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));

      Throwable cause = failed.getCause();
      while (cause.getCause() != null && !(cause instanceof BindException)) {
        cause = cause.getCause();
      }
      assertInstanceOf(BindException.class, cause, failed.getCause().toString());
    }
  }
}
