package io.tally.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs one command of the packaged {@code tally.jar} to its end, as an operator would. */
public final class JarCommand {

  /** How the command ended and everything it printed. */
  public record Outcome(int exitCode, String output) {
  }

  private JarCommand() {
  }

  public static Outcome run(List<String> args, Map<String, String> env, Path log) throws IOException,
      InterruptedException {
    String jar = Optional.ofNullable(System.getProperty("tally.jar")).orElse("target/tally.jar");
    if (!Files.exists(Path.of(jar))) {
      throw new IllegalStateException(jar + " is missing; integration tests run after 'mvn package'");
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-jar", jar));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException("tally.jar " + args + " did not finish within 5 minutes; see " + log);
    }
    return new Outcome(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }
}
