package io.tally.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Acknowledgement files are read strictly: every row is taken or reported by file and line, none is skipped. */
class AcknowledgementsTest {

  private static final String HEADER = "kind,orderId,reservationId,poolId\n";

  @TempDir
  Path dir;

  @Test
  void wellFormedRowsAreTakenAndFoundById() throws IOException {
    Path file = write("acks.csv", HEADER + "reserved,o-1,p-1~1,p-1\nreserved,o,2,p-1~2,p-1\nreleased,,p-1~1,\n");

    Acknowledgements acks = Acknowledgements.read(List.of(file));

    assertEquals(List.of(), acks.problems());
    assertEquals(3, acks.rows());
    assertEquals(2, acks.reservationCount());
    assertEquals(1, acks.releaseCount());
    int first = acks.reservationIndex("p-1~1");
    assertTrue(acks.matches(first, "o-1", "p-1"));
    assertFalse(acks.matches(first, "o-2", "p-1"));
    assertFalse(acks.matches(first, "o-1", "p-2"));
    assertEquals("p-1~2 (order o,2, pool p-1)", acks.reservation(acks.reservationIndex("p-1~2")));
    assertEquals(-1, acks.reservationIndex("p-1~10"));
    assertEquals(-1, acks.reservationIndex("p-1~"));
    assertEquals("p-1~1", acks.release(acks.releaseIndex("p-1~1")));
    assertEquals(-1, acks.releaseIndex("p-1~2"));
  }

  @Test
  void aDirectoryMeansEveryCsvFileInIt() throws IOException {
    write("a.csv", HEADER + "reserved,o-1,p~1,p\n");
    write("b.csv", HEADER + "released,,p~1,\n");
    write("notes.txt", "not an acknowledgement file");

    Acknowledgements acks = Acknowledgements.read(List.of(dir));

    assertEquals(List.of(), acks.problems());
    assertEquals(2, acks.rows());
  }

  @Test
  void aRepeatedAcknowledgementIsCheckedOnce() throws IOException {
    Path file = write("acks.csv", HEADER + "reserved,o-1,p~1,p\nreserved,o-1,p~1,p\nreleased,,p~1,\nreleased,,p~1,\n");

    Acknowledgements acks = Acknowledgements.read(List.of(file));

    assertEquals(List.of(), acks.problems());
    assertEquals(4, acks.rows());
    assertEquals(1, acks.reservationCount());
    assertEquals(1, acks.releaseCount());
  }

  @Test
  void oneReservationAcknowledgedForTwoOrdersIsAProblem() throws IOException {
    Path file = write("acks.csv", HEADER + "reserved,o-1,p~1,p\nreserved,o-2,p~1,p\n");

    Acknowledgements acks = Acknowledgements.read(List.of(file));

    assertEquals(List.of("acknowledged reservation p~1 (order o-2, pool p) contradicts its other acknowledgement "
        + "p~1 (order o-1, pool p)"), acks.problems());
    assertEquals(1, acks.reservationCount());
  }

  @Test
  void everyMalformedLineIsReportedWithFileAndLine() throws IOException {
    Path file = write("acks.csv", HEADER
        + "reserved,o-1,p~1,p\n"
        + "reserved,o-2,p~2\n"
        + "\n"
        + "booked,o-3,p~3,p\n"
        + "reserved,o-4,p-4,p\n"
        + "reserved,,p~5,p\n"
        + "reserved,o-6,p~6,\n"
        + "released,o-7,p~7,\n"
        + "released,,p~8,p\n"
        + "reserved,o-9,p~9,p\n");

    Acknowledgements acks = Acknowledgements.read(List.of(file));

    assertEquals(List.of(
        file + ":3: expected kind,orderId,reservationId,poolId: \"reserved,o-2,p~2\"",
        file + ":4: expected kind,orderId,reservationId,poolId: \"\"",
        file + ":5: kind is \"booked\", not reserved or released: \"booked,o-3,p~3,p\"",
        file + ":6: not a reservation id: \"p-4\": \"reserved,o-4,p-4,p\"",
        file + ":7: not an order id: \"\": \"reserved,,p~5,p\"",
        file + ":8: not a pool id: \"\": \"reserved,o-6,p~6,\"",
        file + ":9: a release names only its reservation id: \"released,o-7,p~7,\"",
        file + ":10: a release names only its reservation id: \"released,,p~8,p\""), acks.problems());
    assertEquals(2, acks.rows());
  }

  @Test
  void aFileWithoutTheHeaderIsNotRead() throws IOException {
    Path headless = write("headless.csv", "reserved,o-1,p~1,p\n");
    Path empty = write("empty.csv", "");

    Acknowledgements acks = Acknowledgements.read(List.of(headless, empty));

    String expected = ":1: expected the header kind,orderId,reservationId,poolId, got ";
    assertEquals(List.of(headless + expected + "\"reserved,o-1,p~1,p\"; file not read",
        empty + expected + "an empty file; file not read"), acks.problems());
    assertEquals(0, acks.rows());
  }

  @Test
  void aMissingFileOrAnEmptyDirectoryIsAProblem() throws IOException {
    Path missing = dir.resolve("missing.csv");
    Path empty = Files.createDirectory(dir.resolve("empty"));

    Acknowledgements acks = Acknowledgements.read(List.of(missing, empty));

    assertEquals(List.of(missing + ": cannot read: no such file", empty + ": holds no *.csv file"), acks.problems());
  }

  @Test
  void manyMalformedLinesAreCountedBeyondTheFirstTwenty() throws IOException {
    StringBuilder text = new StringBuilder(HEADER);
    IntStream.range(0, 25).forEach(i -> text.append("nonsense\n"));
    Path file = write("acks.csv", text.toString());

    List<String> problems = Acknowledgements.read(List.of(file)).problems();

    assertEquals(21, problems.size());
    assertEquals(file + ":21: expected kind,orderId,reservationId,poolId: \"nonsense\"", problems.get(19));
    assertEquals("5 more malformed acknowledgement lines not listed", problems.get(20));
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }
}
