package org.deepbase.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.deepbase.report.Results;
import org.junit.jupiter.api.Test;

/** The case study's sentences follow the scores: a unit beside the ghost is not anticipation. */
class CaseStudyTest {
  private static Results scores(Object[]... rows) {
    return new Results(
        List.of("hypothesis", "layer", "unit", "score"), new ArrayList<>(List.of(rows)));
  }

  @Test
  void aUnitBesideTheGhostDoesNotAnticipate() {
    // Fires next to the ghost: high on ghost_1 (always a neighbour) but higher on ghost_adjacent.
    String answer =
        CaseStudy.anticipation(
            scores(
                new Object[] {"ghost", "conv1", 3, 0.05},
                new Object[] {"ghost_adjacent", "conv1", 3, 0.60},
                new Object[] {"ghost_1", "conv1", 3, 0.30},
                new Object[] {"ghost_2", "conv1", 3, 0.01}));
    assertTrue(answer.startsWith("No unit anticipates"), answer);
  }

  @Test
  void aUnitOnTheFutureCellAboveBothControlsIsNamed() {
    String answer =
        CaseStudy.anticipation(
            scores(
                new Object[] {"ghost", "conv2", 7, 0.10},
                new Object[] {"ghost_adjacent", "conv2", 7, 0.12},
                new Object[] {"ghost_2", "conv2", 7, 0.40}));
    assertTrue(answer.contains("ghost_2: 1 unit(s), best conv2.7"), answer);
  }

  @Test
  void tinyMarginsAreNotEvidence() {
    String answer =
        CaseStudy.anticipation(
            scores(
                new Object[] {"ghost", "conv2", 23, 0.001},
                new Object[] {"ghost_adjacent", "conv2", 23, 0.001},
                new Object[] {"ghost_2", "conv2", 23, 0.018}));
    assertTrue(answer.startsWith("No unit anticipates"), answer);
  }

  @Test
  void aWeakBestUnitIsCalledWeak() {
    assertTrue(CaseStudy.ghostDetector("conv2", 1, 0.1, 0.2).contains("No unit detects the ghost"));
    assertTrue(!CaseStudy.ghostDetector("conv2", 1, 0.45, 0.9).contains("No unit"));
    // Above the distinct-values ceiling (a unit flat except at the ghost): no "200% of the
    // ceiling".
    assertTrue(CaseStudy.pacmanControl(0.37, 0.40, 0.0).contains("not a ghost detector"));
    assertTrue(CaseStudy.pacmanControl(0.33, 0.004, 0.45).contains("not a ghost detector"));
    assertTrue(CaseStudy.pacmanControl(0.37, 0.20, 0.1).contains("less than the ghost"));
    assertTrue(CaseStudy.pacmanControl(0.37, 0.01, 0.02).contains("singles out the ghost"));
    String tied = CaseStudy.ghostDetector("conv1", 0, 1.0, 1.0);
    assertTrue(tied.contains("above the 0.500") && !tied.contains("of the ceiling"), tied);
  }
}
