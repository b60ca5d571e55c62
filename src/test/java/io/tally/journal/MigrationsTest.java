package io.tally.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The list of migrations in the code and the migration files in the source tree are the same, in version order. */
class MigrationsTest {

  private static final Path FOLDER = Path.of("src/main/resources/db/migration");
  private static final Pattern NAME = Pattern.compile("V([1-9]\\d*)__[A-Za-z0-9]+(_[A-Za-z0-9]+)*\\.sql");

  private static List<String> filesInFolder() throws IOException {
    try (Stream<Path> files = Files.list(FOLDER)) {
      return files.map(path -> path.getFileName().toString()).toList();
    }
  }

  private static int version(String name) {
    Matcher matcher = NAME.matcher(name);
    assertTrue(matcher.matches(), name + " does not match V<n>__words.sql");
    return Integer.parseInt(matcher.group(1));
  }

  @Test
  void theListNamesExactlyTheFilesInTheMigrationFolder() throws IOException {
    List<String> files = filesInFolder();
    assertEquals(files.stream().sorted().toList(), Migrations.SCRIPTS.stream().sorted().toList());
  }

  @Test
  void everyMigrationIsNamedByVersionAndWords() throws IOException {
    filesInFolder().forEach(MigrationsTest::version);
    Migrations.SCRIPTS.forEach(MigrationsTest::version);
  }

  @Test
  void theListIsInVersionOrder() {
    List<String> byVersion = Migrations.SCRIPTS.stream().sorted(Comparator.comparingInt(MigrationsTest::version))
        .toList();
    assertEquals(byVersion, Migrations.SCRIPTS);
  }

  @Test
  void versionsCountUpFromOneWithoutGaps() {
    List<Integer> expected = new ArrayList<>();
    for (int v = 1; v <= Migrations.SCRIPTS.size(); v++) {
      expected.add(v);
    }
    assertEquals(expected, Migrations.SCRIPTS.stream().map(MigrationsTest::version).toList());
  }

  @Test
  void everyListedMigrationLoadsFromTheClasspathWithItsVersion() throws IOException {
    for (String name : Migrations.SCRIPTS) {
      Migrations.Script script = Migrations.load(name);
      assertEquals(version(name), script.version());
      assertEquals(Files.readString(FOLDER.resolve(name)).replace("\r\n", "\n"), script.sql());
    }
  }
}
