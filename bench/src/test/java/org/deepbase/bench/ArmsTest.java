package org.deepbase.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArmsTest {
  private static List<Arms.Arm> arm(String name, double... seconds) {
    return java.util.Arrays.stream(seconds)
        .mapToObj(s -> new Arms.Arm(name, s, 2 * s, 100 * s, -1, ""))
        .toList();
  }

  private static String rounds(List<Arms.Arm> floor, List<List<Arms.Arm>> arms) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new Arms(Path.of("."), new PrintStream(bytes, true, StandardCharsets.UTF_8))
        .rounds(floor, arms);
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void bestAndWorstAreTheFastestAndSlowestRounds() {
    List<Arms.Arm> rounds = arm("a", 12, 10, 11);
    assertEquals(10, Arms.best(rounds).seconds());
    assertEquals(1000, Arms.best(rounds).peakRssMb(), "the best round's own RSS");
    assertEquals(12, Arms.worst(rounds).seconds());
  }

  @Test
  void roundsPrintEachRatioTheirMedianAndTheBestRoundsRatio() {
    // Ratios per round 1.30, 1.10, 1.40: median 1.30; best rounds 13.0 / 10.0 = 1.30.
    String text = rounds(arm("forward-only", 10, 12, 11), List.of(arm("exact", 13, 13.2, 15.4)));
    assertTrue(text.contains("round 1: forward-only 10.00 s (1000 MB); exact 13.00 s"), text);
    assertTrue(text.contains("round 2: forward-only 12.00 s (1200 MB); exact 13.20 s"), text);
    assertTrue(text.contains("(1320 MB): 1.10x"), text);
    assertTrue(text.contains("round 3:"), text);
    assertTrue(
        text.contains(
            "exact: 1.30x forward-only in the best rounds, rounds' median 1.30x"
                + " (min 1.10x, max 1.40x)"),
        text);
  }

  @Test
  void everyArmGetsItsRatiosInEachRoundAndItsOwnSummary() {
    String text = rounds(arm("f", 10, 20), List.of(arm("x", 15, 24), arm("c", 3, 4)));
    assertTrue(
        text.contains("round 1: f 10.00 s (1000 MB); x 15.00 s (1500 MB): 1.50x; c 3.00 s"), text);
    assertTrue(
        text.contains("round 2: f 20.00 s (2000 MB); x 24.00 s (2400 MB): 1.20x; c 4.00 s"), text);
    assertTrue(text.contains("x: 1.50x f in the best rounds, rounds' median 1.35x"), text);
    assertTrue(text.contains("c: 0.30x f in the best rounds, rounds' median 0.25x"), text);
  }

  @Test
  void anEvenNumberOfRoundsTakesTheMeanOfTheMiddleTwoRatios() {
    // Ratios 1.20 and 1.50: median 1.35; best rounds 12 / 10 = 1.20.
    String text = rounds(arm("f", 10, 10), List.of(arm("x", 12, 15)));
    assertTrue(text.contains("x: 1.20x f in the best rounds, rounds' median 1.35x"), text);
  }

  @Test
  void theMachineLineReadsThisMachine() {
    String machine = Arms.machine();
    assertTrue(
        machine.endsWith(", " + Runtime.getRuntime().availableProcessors() + " cores"), machine);
  }
}
