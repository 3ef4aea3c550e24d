package org.deepbase.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deepbase.engine.measure.Ceilings;
import org.deepbase.report.Results;

/**
 * The PacMan case study's answers in words, computed from the analyses' scores: each score beside
 * its ceiling, the learning curve's stability, and anticipation only where a unit beats both
 * controls. A sceptical reader gets the numbers the sentence rests on.
 */
final class CaseStudy {
  /** local_iou's quantile and the grid's symbols (15 x 19), as the saved queries use them. */
  static final double QUANTILE = org.deepbase.engine.measure.LocalIouAccumulator.DEFAULT_QUANTILE;

  static final int SYMBOLS = 285;
  static final double GHOST_CEILING = Ceilings.overlap(1, QUANTILE, SYMBOLS);

  /** A unit's score counts as a detector from this share of its ceiling. */
  static final double DETECTOR_SHARE = 0.5;

  /** Below this share of the ceiling a score is too small to support any reading. */
  static final double MEANINGFUL_SHARE = 0.25;

  private CaseStudy() {}

  /** Analysis 1: the best ghost unit, its share of the ceiling and where it fires most. */
  static String ghostDetector(String layer, int unit, double score, double onGhost) {
    if (score > GHOST_CEILING + 1e-9) {
      // Possible only with ties at the threshold (docs/measures.md): the unit is flat except on a
      // few cells and fires on fewer than the ceiling's cells, so its own ceiling is 1.
      return String.format(
          Locale.ROOT,
          "%s.%d is the best ghost unit: its strongest cell is the ghost's in %.0f%% of maps, and"
              + " its local_iou is %.3f, above the %.3f a unit with distinct values can reach at q"
              + " = %.3f: it is flat (tied at the threshold) except on a few cells, so it fires on"
              + " fewer cells; 1.0 would mean it fires on the ghost's cell and nowhere else.",
          layer,
          unit,
          100 * onGhost,
          score,
          GHOST_CEILING,
          QUANTILE);
    }
    String best =
        String.format(
            Locale.ROOT,
            "%s.%d is the best ghost unit: its strongest cell is the ghost's in %.0f%% of maps, and"
                + " its local_iou is %.3f of a possible %.3f (%.0f%% of the ceiling for a one-cell"
                + " mask at q = %.3f).",
            layer,
            unit,
            100 * onGhost,
            score,
            GHOST_CEILING,
            100 * score / GHOST_CEILING,
            QUANTILE);
    return score < DETECTOR_SHARE * GHOST_CEILING
        ? best
            + " No unit detects the ghost reliably: even the best reaches less than half of"
            + " what the measure allows."
        : best;
  }

  /**
   * Analysis 1's controls: the same unit against PacMan's cell and the road cells beside PacMan, so
   * that a unit firing on or next to PacMan is not called a ghost detector.
   *
   * @param pacmanScore local_iou with {@code pacman} (one cell, ceiling as the ghost's)
   * @param besideScore local_iou with {@code pacman_adjacent} (2-4 cells, ceiling up to 1)
   */
  static String pacmanControl(double ghostScore, double pacmanScore, double besideScore) {
    String scores =
        String.format(
            Locale.ROOT,
            " Controls: it scores %.3f on PacMan's cell and %.3f on the cells beside PacMan",
            pacmanScore,
            besideScore);
    double strongest = Math.max(pacmanScore, besideScore);
    if (strongest >= ghostScore) {
      return scores
          + ", as much as on the ghost: it follows PacMan at least as much as the ghost, so it is"
          + " not a ghost detector.";
    }
    if (strongest >= 0.5 * ghostScore) {
      return scores
          + String.format(
              Locale.ROOT,
              " (up to %.0f%% of its ghost score): it also follows PacMan, less than the ghost.",
              100 * strongest / ghostScore);
    }
    return scores + ": it singles out the ghost, not PacMan.";
  }

  /** Analysis 2: whether the unit's curve levels off (last five checkpoints within 10%). */
  static String learningCurve(Results curve, String layer, int unit) {
    int checkpoint = curve.columns().indexOf("checkpoint");
    int score = curve.columns().indexOf("score");
    List<double[]> points = new ArrayList<>();
    for (Object[] row : curve.rows()) {
      points.add(
          new double[] {
            ((Number) row[checkpoint]).doubleValue(), ((Number) row[score]).doubleValue()
          });
    }
    if (points.size() < 5) {
      return "Too few checkpoints (" + points.size() + ") to tell whether learning has ended.";
    }
    double last = points.get(points.size() - 1)[1];
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    for (double[] p : points.subList(points.size() - 5, points.size())) {
      min = Math.min(min, p[1]);
      max = Math.max(max, p[1]);
    }
    double spread = last == 0 ? Double.POSITIVE_INFINITY : (max - min) / Math.abs(last);
    int from = (int) points.get(points.size() - 5)[0];
    int to = (int) points.get(points.size() - 1)[0];
    // Where the curve first comes within 10% of its final value and stays there.
    int settled = to;
    for (int i = points.size() - 1; i >= 0; i--) {
      if (Math.abs(points.get(i)[1] - last) > 0.1 * Math.abs(last)) {
        break;
      }
      settled = (int) points.get(i)[0];
    }
    return spread < 0.1
        ? String.format(
            Locale.ROOT,
            "%s.%d's ghost score levels off: the last five checkpoints (%d-%d) stay within %.0f%% of"
                + " the final %.3f; it is within 10%% from checkpoint %d on.",
            layer,
            unit,
            from,
            to,
            100 * spread,
            last,
            settled)
        : String.format(
            Locale.ROOT,
            "%s.%d's ghost score is still changing: the last five checkpoints (%d-%d) spread over"
                + " %.0f%% of the final %.3f. Train longer before reading the curve.",
            layer,
            unit,
            from,
            to,
            100 * spread,
            last);
  }

  /**
   * Analysis 3: a unit anticipates the ghost N steps ahead only if it scores higher on ghost_N than
   * on the ghost's cell now (the ghost stays put) and on the cells next to it (ghost_adjacent).
   */
  static String anticipation(Results results) {
    int hypothesis = results.columns().indexOf("hypothesis");
    int layer = results.columns().indexOf("layer");
    int unit = results.columns().indexOf("unit");
    int score = results.columns().indexOf("score");
    Map<String, Map<String, Double>> byUnit = new LinkedHashMap<>();
    for (Object[] row : results.rows()) {
      byUnit
          .computeIfAbsent(row[layer] + "." + row[unit], k -> new LinkedHashMap<>())
          .put(String.valueOf(row[hypothesis]), ((Number) row[score]).doubleValue());
    }
    List<String> found = new ArrayList<>();
    for (String horizon : List.of("ghost_1", "ghost_2", "ghost_4", "ghost_8")) {
      String best = null;
      double bestMargin = 0;
      int count = 0;
      for (Map.Entry<String, Map<String, Double>> u : byUnit.entrySet()) {
        Map<String, Double> s = u.getValue();
        double ahead = s.getOrDefault(horizon, 0.0);
        double control =
            Math.max(s.getOrDefault("ghost", 0.0), s.getOrDefault("ghost_adjacent", 0.0));
        if (ahead > control && ahead >= MEANINGFUL_SHARE * GHOST_CEILING) {
          count++;
          if (ahead - control > bestMargin) {
            bestMargin = ahead - control;
            best = String.format(Locale.ROOT, "%s (%.3f vs %.3f)", u.getKey(), ahead, control);
          }
        }
      }
      if (count > 0) {
        found.add(String.format(Locale.ROOT, "%s: %d unit(s), best %s", horizon, count, best));
      }
    }
    if (found.isEmpty()) {
      return String.format(
          Locale.ROOT,
          "No unit anticipates the ghost: for every unit of conv1-conv3 and every horizon (1, 2, 4,"
              + " 8 steps), local_iou on the ghost's future cell is either no higher than on its"
              + " cell now (the ghost stays put) or on the cells next to it (ghost_adjacent), or"
              + " below %.3f (%.0f%% of the one-cell ceiling %.3f), too small to mean anything. A"
              + " unit that scores on ghost_N fires on or beside the ghost, not where it is going.",
          MEANINGFUL_SHARE * GHOST_CEILING,
          100 * MEANINGFUL_SHARE,
          GHOST_CEILING);
    }
    return "Units scoring higher on the ghost's future cell than on both controls (its cell now,"
        + " the cells next to it), with at least "
        + String.format(Locale.ROOT, "%.0f%%", 100 * MEANINGFUL_SHARE)
        + " of the ceiling: "
        + String.join("; ", found)
        + ". Compare the margins with the ceiling of a one-cell mask ("
        + String.format(Locale.ROOT, "%.3f", GHOST_CEILING)
        + "): a small margin is weak evidence.";
  }
}
