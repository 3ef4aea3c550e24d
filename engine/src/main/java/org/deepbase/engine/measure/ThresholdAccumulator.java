package org.deepbase.engine.measure;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;

/**
 * Accumulates a statistic of a unit thresholded at a dataset-wide quantile (NetDissect's
 * convention): T_u is the {@code quantile}-quantile of ALL the unit's values over all records and
 * symbols (linear interpolation between ranks, as NumPy), and the unit fires where v > T_u.
 *
 * <p>Pass one fills a {@link JointHistogram}; the threshold's bucket is then known to relative
 * accuracy ~0.1 %. After one pass, {@link #result()} is an estimate whose interval is the range of
 * the statistic over every way the values in the threshold's bucket could fall (it always contains
 * the exact score). When the threshold's bucket is the exact-zero bucket (typical of ReLU units)
 * one pass is already exact. In exact mode, a second pass collects the values of that one bucket,
 * which makes the threshold and the score exact; memory is the histogram plus the distinct values
 * of one bucket.
 *
 * <p>With {@code rawThreshold} (NetDissect-Lite's resolution convention), T_u is the quantile of
 * the unit's values on the layer's own grid ({@link UnitBatch#raw}), and the statistic counts where
 * the values resized to the annotation grid exceed it. A second histogram (one class) counts the
 * raw values; T_u lies between the buckets of its two neighbouring ranks, so the second pass
 * collects the raw values of those buckets (exact T_u) and the resized values of the same range
 * (exact counts). When both ranks are exact zeros, T_u = 0 and one pass is exact.
 *
 * <p>Over values resized on demand (either convention), pass two collects only what fixes T_u,
 * shared by the unit's hypotheses (the raw values near it, or the resized values of its bucket),
 * and a third pass counts the resized values above the exact T_u by class. Collecting the resized
 * values near T_u with their classes, per hypothesis, grew with the dataset: 1 GB more at 10,000
 * images than at 2,000 (docs/design-notes.md). When T_u is known to be 0, pass two counts.
 */
final class ThresholdAccumulator implements Accumulator {
  static final int MAX_CLASSES = 16;

  private final ThresholdStatistic statistic;
  private final double quantile;
  private final boolean exact;
  private final String name;
  private final Map<Float, Integer> classes = new LinkedHashMap<>();

  /** Annotation classes the histogram counts: 2 for binary statistics. */
  private final int k;

  /**
   * Values x annotation classes; one class (the unit's values only) in blockwise mode, none in the
   * raw convention's blockwise mode. Allocated on first use: 12 hypotheses x 960 units of them.
   */
  private @Nullable JointHistogram histogram;

  private long count;
  private int pass = 1;
  private long thresholdBucket;
  private transient @Nullable Position located;
  private transient @Nullable RawRanks rawRanks;

  /** Shared with the sibling accumulators of the same unit in blockwise mode. */
  private ThresholdSiblings siblings = new ThresholdSiblings();

  /** Records in the dataset at most; 0 when unknown. */
  private long recordsAtMost;

  /** {@inheritDoc} */
  @Override
  public void expectRecordsAtMost(long records) {
    recordsAtMost = records;
  }

  /** {@inheritDoc} Joins the sibling's group: same measure, another hypothesis, same unit. */
  @Override
  public void shareWith(Accumulator sibling) {
    if (sibling instanceof ThresholdAccumulator t
        && t.statistic == statistic
        && t.quantile == quantile
        && t.rawThreshold == rawThreshold
        && t.exact == exact) {
      siblings = t.siblings;
    }
  }

  private boolean blockwise() {
    return Boolean.TRUE.equals(onDemand);
  }

  /** The histogram whose quantile is the threshold in the default convention. */
  private JointHistogram counted() {
    return blockwise() ? siblings.histogram() : histogram(k);
  }

  /** The raw values' histogram (raw convention). */
  private JointHistogram rawValues() {
    return blockwise() ? siblings.histogram() : java.util.Objects.requireNonNull(rawHistogram);
  }

  /** The first non-empty bucket above the threshold's (where the rank after it may fall). */
  private long nextBucket;

  private final BucketValues bucketValues = new BucketValues();
  private float minAbove = Float.POSITIVE_INFINITY;

  /** Raw-threshold mode: the raw values' histogram, their count, the second pass' range. */
  private final boolean rawThreshold;

  private final @Nullable JointHistogram rawHistogram;
  private long rawCount;
  private long rangeLow;
  private long rangeHigh;
  private final BucketValues rawRangeValues = new BucketValues();

  /**
   * Exact mode over values resized on demand ({@link UnitBatch#resizedOnDemand}) for a binary
   * statistic: pass one counts only the values (the unit's histogram, shared by every hypothesis;
   * in the raw convention, the raw values only) and the "on" symbols, and pass two counts the
   * resized values above the threshold's bucket (or range) by annotation class and collects those
   * in it ({@link UnitBatch#crossing}). No per-hypothesis work in pass one, and in the raw
   * convention no resized value is ever computed but near and above the threshold. Null until the
   * first batch says which mode applies.
   */
  private @Nullable Boolean onDemand;

  private long onCount;
  private long fireOn;
  private long fireAll;

  /**
   * Over values resized on demand: the exact threshold, once known (in pass two when it is 0, else
   * after pass two found it), above which the next pass counts the resized values by class; NaN
   * before.
   */
  private double countAbove = Double.NaN;

  ThresholdAccumulator(ThresholdStatistic statistic, double quantile, boolean exact) {
    this(statistic, quantile, exact, false);
  }

  ThresholdAccumulator(
      ThresholdStatistic statistic, double quantile, boolean exact, boolean rawThreshold) {
    this.rawThreshold = rawThreshold;
    this.rawHistogram = rawThreshold ? new JointHistogram(1) : null;
    this.statistic = statistic;
    this.quantile = Quantiles.check(statistic.name().toLowerCase(java.util.Locale.ROOT), quantile);
    this.exact = exact;
    this.name = statistic.name().toLowerCase(java.util.Locale.ROOT);
    this.k = statistic.binary() ? 2 : MAX_CLASSES;
    if (statistic.binary()) {
      classes.put(0f, 0);
      classes.put(1f, 1);
    }
  }

  /** Returns the histogram, made with {@code classes} classes if there is none yet. */
  private JointHistogram histogram(int classes) {
    if (histogram == null) {
      histogram = new JointHistogram(classes);
    }
    return histogram;
  }

  private int classOf(float annotation) {
    if (statistic.binary()) {
      return Annotations.binary(name, annotation) ? 1 : 0;
    }
    Integer c = classes.get(annotation);
    if (c == null) {
      if (classes.size() == MAX_CLASSES || Float.isNaN(annotation)) {
        throw new DeepBaseException(
            ErrorCode.BAD_ARGUMENT,
            "mutual_info accepts discrete annotations with at"
                + " most "
                + MAX_CLASSES
                + " distinct values; got another value "
                + annotation);
      }
      c = classes.size();
      classes.put(annotation, c);
    }
    return c;
  }

  /**
   * {@inheritDoc} What depends on the unit only is taken from {@code unit} and shared by every
   * hypothesis: the values' bucket ordinals and histogram (a binary hypothesis then costs one move
   * per "on" symbol), and in the second pass the positions of the values in the threshold's range.
   */
  @Override
  public void add(UnitBatch unit, FloatBuffer annotations, SharedStats.Hypothesis hypothesis) {
    boolean blockwise = exact && statistic.binary() && unit.resizedOnDemand();
    if (onDemand == null) {
      onDemand = blockwise;
    } else if (onDemand != blockwise) {
      throw new IllegalStateException("batches of one unit both resized and resized on demand");
    }
    if (pass == 1) {
      located = null;
      rawRanks = null;
      if (rawThreshold) {
        rawCount += (long) unit.records() * unit.rawSymbols();
      }
      if (blockwise) {
        // Class-agnostic and shared by the unit's hypotheses: pass two counts the classes.
        if (rawThreshold) {
          siblings.feedRaw(unit, quantile, recordsAtMost);
        } else {
          siblings.feedResized(unit, quantile, recordsAtMost);
        }
        count += (long) unit.records() * unit.symbols();
        onCount += hypothesis.on().length;
        return;
      }
      if (rawThreshold) {
        java.util.Objects.requireNonNull(rawHistogram).addAll(unit.rawHistogram(), 0);
      }
      long[] ordinals = unit.ordinals();
      if (statistic.binary() && hypothesis.binary()) {
        JointHistogram histogram = histogram(k);
        histogram.addAll(unit.histogram(), 0);
        int[] onStart = hypothesis.onStart();
        int[] on = hypothesis.on();
        for (int r = 0; r < unit.records(); r++) {
          int base = r * unit.symbols();
          for (int j = onStart[r]; j < onStart[r + 1]; j++) {
            histogram.move(ordinals[base + on[j]], 0, 1);
          }
        }
      } else {
        int a0 = annotations.position();
        for (int i = 0; i < ordinals.length; i++) {
          histogram(k).addOrdinal(ordinals[i], classOf(annotations.get(a0 + i)));
        }
      }
      count += ordinals.length;
      return;
    }
    int a0 = annotations.position();
    if (rawThreshold) {
      if (blockwise) {
        if (Double.isNaN(countAbove)) {
          siblings.collectRaw(unit, collectLow(), rangeHigh);
        } else {
          countAbove(unit, annotations, hypothesis);
        }
        return;
      }
      FloatBuffer raw = unit.raw();
      int r0 = raw.position();
      for (int i : unit.positionsIn(collectLow(), rangeHigh, true)) {
        rawRangeValues.add(raw.get(r0 + i), 0);
      }
      int v0 = unit.values().position();
      for (int i : unit.positionsIn(collectLow(), rangeHigh, false)) {
        bucketValues.add(unit.values().get(v0 + i), classOf(annotations.get(a0 + i)));
      }
      return;
    }
    if (blockwise) {
      if (!Double.isNaN(countAbove)) {
        countAbove(unit, annotations, hypothesis);
        return;
      }
      // Pass two finds the exact threshold: the bucket's values (shared by the siblings, no class)
      // and the least value above it. Exact zeros are never collected: a zero next bucket makes
      // rank lo + 1's value 0.
      boolean nextZero = nextBucket == JointHistogram.ZERO;
      if (nextZero) {
        minAbove = Math.min(minAbove, 0f);
      }
      UnitBatch.Crossing crossing =
          unit.crossing(thresholdBucket, nextZero ? thresholdBucket : nextBucket);
      siblings.collectBucket(unit, crossing, thresholdBucket);
      for (float v : crossing.inRangeValues()) {
        if (JointHistogram.ordinal(v) != thresholdBucket) {
          minAbove = Math.min(minAbove, v);
        }
      }
      return;
    }
    if (unit.resizedOnDemand()) {
      // Only the resized values from the threshold's bucket to the next non-empty one matter.
      UnitBatch.Crossing crossing = unit.crossing(thresholdBucket, nextBucket);
      int[] inRange = crossing.inRange();
      for (int j = 0; j < inRange.length; j++) {
        float v = crossing.inRangeValues()[j];
        if (JointHistogram.ordinal(v) == thresholdBucket) {
          bucketValues.add(v, classOf(annotations.get(a0 + inRange[j])));
        } else {
          minAbove = Math.min(minAbove, v);
        }
      }
      return;
    }
    long[] ordinals = unit.ordinals();
    int v0 = unit.values().position();
    for (int i : unit.positionsIn(thresholdBucket, nextBucket, false)) {
      float v = unit.values().get(v0 + i);
      if (ordinals[i] == thresholdBucket) {
        bucketValues.add(v, classOf(annotations.get(a0 + i)));
      } else {
        minAbove = Math.min(minAbove, v);
      }
    }
  }

  /**
   * Counts the resized values above the exact threshold {@link #countAbove}, by class: those in
   * buckets above its own all fire, those in its bucket are compared with it.
   */
  private void countAbove(
      UnitBatch unit, FloatBuffer annotations, SharedStats.Hypothesis hypothesis) {
    float atOrBelow = (float) countAbove;
    if (atOrBelow > countAbove) {
      atOrBelow = Math.nextDown(atOrBelow);
    }
    long low = JointHistogram.ordinal(atOrBelow);
    // Exact zeros do not exceed a threshold of 0 (or above): start at the bucket after theirs.
    low = low == JointHistogram.ZERO && countAbove >= 0 ? JointHistogram.ZERO + 1 : low;
    UnitBatch.Crossing crossing = unit.crossing(low, low);
    countFiring(unit, crossing.above(), annotations, hypothesis);
    int[] inRange = crossing.inRange();
    float[] values = crossing.inRangeValues();
    for (int j = 0; j < inRange.length; j++) {
      if (values[j] > countAbove) {
        fireAll++;
        fireOn += onAt(inRange[j], annotations, hypothesis);
      }
    }
  }

  /**
   * Returns 1 where a binary statistic's hypothesis is on at a batch position, else 0: from the
   * hypothesis' bit mask when it is binary, else from the annotation (which fails naming a value
   * that is not 0 or 1).
   */
  private int onAt(int position, FloatBuffer annotations, SharedStats.Hypothesis hypothesis) {
    if (hypothesis.binary()) {
      return hypothesis.isOn(position) ? 1 : 0;
    }
    return classOf(annotations.get(annotations.position() + position));
  }

  /**
   * Counts positions that fire, by annotation class (blockwise mode: the statistic is binary, so a
   * binary hypothesis' bit mask gives the classes; another one fails naming its value).
   */
  private void countFiring(
      UnitBatch unit, int[] positions, FloatBuffer annotations, SharedStats.Hypothesis hypothesis) {
    fireAll += positions.length;
    if (hypothesis.onSets() != null) {
      // Counted once for all the batch's binary hypotheses by whichever of them asks first.
      fireOn += unit.onCounts(positions, hypothesis.onSets())[hypothesis.bit()];
      return;
    }
    if (!hypothesis.binary()) {
      int a0 = annotations.position();
      for (int i : positions) {
        fireOn += classOf(annotations.get(a0 + i));
      }
      return;
    }
    for (int i : positions) {
      fireOn += hypothesis.isOn(i) ? 1 : 0;
    }
  }

  /**
   * {@inheritDoc} In raw-threshold mode the values are taken to be on the layer's own grid (no
   * resizing): they give both the threshold and the counts.
   */
  @Override
  public void add(FloatBuffer values, FloatBuffer annotations, int records, int symbols) {
    located = pass == 1 ? null : located;
    rawRanks = pass == 1 ? null : rawRanks;
    if (rawThreshold) {
      addRaw(values, records * symbols);
      addResized(values, annotations, records * symbols);
    } else {
      addValues(values, annotations, records * symbols);
    }
  }

  private void addRaw(FloatBuffer values, int n) {
    int v0 = values.position();
    JointHistogram raw = java.util.Objects.requireNonNull(rawHistogram);
    if (pass == 1) {
      for (int i = 0; i < n; i++) {
        raw.add(values.get(v0 + i), 0);
      }
      rawCount += n;
      return;
    }
    for (int i = 0; i < n; i++) {
      float v = values.get(v0 + i);
      long ordinal = JointHistogram.ordinal(v);
      if (ordinal >= rangeLow && ordinal <= rangeHigh) {
        rawRangeValues.add(v, 0);
      }
    }
  }

  private void addResized(FloatBuffer values, FloatBuffer annotations, int n) {
    if (pass == 1) {
      addValues(values, annotations, n);
      return;
    }
    int v0 = values.position();
    int a0 = annotations.position();
    for (int i = 0; i < n; i++) {
      float v = values.get(v0 + i);
      long ordinal = JointHistogram.ordinal(v);
      if (ordinal >= rangeLow && ordinal <= rangeHigh) {
        bucketValues.add(v, classOf(annotations.get(a0 + i)));
      }
    }
  }

  private void addValues(FloatBuffer values, FloatBuffer annotations, int n) {
    int v0 = values.position();
    int a0 = annotations.position();
    if (pass == 1) {
      for (int i = 0; i < n; i++) {
        histogram(k).add(values.get(v0 + i), classOf(annotations.get(a0 + i)));
      }
      count += n;
      return;
    }
    for (int i = 0; i < n; i++) {
      float v = values.get(v0 + i);
      long ordinal = JointHistogram.ordinal(v);
      if (ordinal == thresholdBucket) {
        bucketValues.add(v, classOf(annotations.get(a0 + i)));
      } else if (ordinal > thresholdBucket && v < minAbove) {
        minAbove = v;
      }
    }
  }

  /** {@inheritDoc} */
  @Override
  public void merge(Accumulator other) {
    ThresholdAccumulator o = (ThresholdAccumulator) other;
    if (o.pass != pass) {
      throw new IllegalStateException("cannot merge accumulators in different passes");
    }
    // Annotation classes are numbered by first appearance: renumber the other's counts.
    int[] remap = new int[k];
    o.classes.forEach((value, c) -> remap[c] = classOf(value));
    if (onDemand == null) {
      onDemand = o.onDemand;
    } else if (o.onDemand != null && !onDemand.equals(o.onDemand)) {
      throw new IllegalStateException("cannot merge resized and resized-on-demand accumulators");
    }
    if (pass == 1) {
      onCount += o.onCount;
      located = null;
      rawRanks = null;
      siblings.mergeOnce(o.siblings);
      if (o.histogram != null) {
        histogram(o.histogram.classes()).merge(o.histogram, remap);
      }
      count += o.count;
      if (rawHistogram != null) {
        rawHistogram.merge(java.util.Objects.requireNonNull(o.rawHistogram), new int[] {0});
        rawCount += o.rawCount;
      }
    } else {
      fireOn += o.fireOn;
      fireAll += o.fireAll;
      if (blockwise()) {
        // Once the threshold is known the collections are final: a later pass' parts only count.
        if (Double.isNaN(countAbove)) {
          siblings.mergeCollectedOnce(o.siblings);
        }
      } else {
        rawRangeValues.merge(o.rawRangeValues, new int[] {0});
      }
      bucketValues.merge(o.bucketValues, remap);
      minAbove = Math.min(minAbove, o.minAbove);
    }
  }

  /** Where rank floor(q (n - 1)) falls in the histogram. */
  record Position(
      long bucket,
      long below,
      double[] bucketCounts,
      double[] above,
      double[] total,
      long aboveCount,
      long bucketCount) {}

  /** Where the threshold's rank falls; the histogram is final after pass one, so kept. */
  private Position locate() {
    if (blockwise()) {
      // Shared by siblings that saw the same values (a pair skipped mid-way saw fewer).
      siblings.checkProven(name, count);
      return siblings.located(count, this::locateInHistogram);
    }
    if (located == null) {
      located = locateInHistogram();
    }
    return located;
  }

  private Position locateInHistogram() {
    long lo = (long) Math.floor(quantile * (count - 1));
    double[] total = new double[k];
    double[] above = new double[k];
    double[] inBucket = new double[k];
    long[] state = {
      0, Long.MIN_VALUE, 0, 0, 0
    }; // cumulative, bucket, below, aboveCount, bucketCount
    counted()
        .forEachAscending(
            (ordinal, counts) -> {
              long n = 0;
              for (int c = 0; c < counts.length; c++) {
                n += counts[c];
                total[c] += counts[c];
              }
              if (state[1] != Long.MIN_VALUE) {
                for (int c = 0; c < counts.length; c++) {
                  above[c] += counts[c];
                }
                state[3] += n;
              } else if (state[0] + n > lo) {
                state[1] = ordinal;
                state[2] = state[0];
                state[4] = n;
                for (int c = 0; c < counts.length; c++) {
                  inBucket[c] = counts[c];
                }
              }
              state[0] += n;
            });
    return new Position(state[1], state[2], inBucket, above, total, state[3], state[4]);
  }

  /** {@inheritDoc} */
  @Override
  public boolean wantsAnotherPass() {
    if (pass == 2) {
      // On demand, pass two found the exact threshold; pass three counts above it.
      return Boolean.TRUE.equals(onDemand) && Double.isNaN(countAbove);
    }
    if (rawThreshold) {
      // On demand, pass one saw no resized value: pass two counts them, even for T = 0.
      return exact
          && pass == 1
          && rawCount > 0
          && (Boolean.TRUE.equals(onDemand) || !rawRanks().zero());
    }
    // Blockwise, pass one counted no class: pass two does, even when T's bucket is exact zeros.
    return exact
        && pass == 1
        && count > 0
        && (Boolean.TRUE.equals(onDemand) || locate().bucket() != JointHistogram.ZERO);
  }

  /**
   * {@inheritDoc} Over values resized on demand (either convention) the later passes look only at
   * values in the threshold's range and above, and at the resized values of blocks with a corner
   * there: all at or above the floor pass one has proven so far. The limit is the floor's lower
   * neighbour bucket: a block whose corners all lie below it cannot reach the floor even by
   * rounding (a bucket is about 0.1 % wide). Without a positive floor yet, every value.
   */
  @Override
  public float laterPassesNeedFrom() {
    if (!exact) {
      return Float.POSITIVE_INFINITY;
    }
    if (!blockwise()) {
      return Float.NEGATIVE_INFINITY;
    }
    return siblings.laterPassesNeedFrom(quantile, recordsAtMost);
  }

  /** {@inheritDoc} Pass two over values resized on demand fixes the threshold: no class is read. */
  @Override
  public boolean readsAnnotations() {
    return !(pass == 2 && blockwise() && Double.isNaN(countAbove));
  }

  /** {@inheritDoc} */
  @Override
  public void startPass() {
    if (pass == 2 && blockwise() && Double.isNaN(countAbove)) {
      // Siblings that saw as many values share the threshold (a pair skipped mid-way saw fewer).
      long seen = rawThreshold ? rawCount : count;
      countAbove =
          siblings.threshold(
              seen, () -> rawThreshold ? rawThresholdValue(rawRanks()) : exactThreshold(locate()));
      pass = 3;
      return;
    }
    if (pass != 1) {
      throw new IllegalStateException("already in pass " + pass);
    }
    if (rawThreshold) {
      RawRanks r = rawRanks();
      rangeLow = r.low();
      rangeHigh = r.high();
      if (blockwise() && r.zero()) {
        // Both neighbouring ranks are exact zeros: T = 0 is known, and pass two counts above it.
        countAbove = 0;
      } else if (blockwise() && siblings.rawRangeFromPassOne(collectLow(), rangeHigh)) {
        // Pass one kept every raw value of the ranks' buckets: T is exact, pass two counts above
        // it.
        countAbove = siblings.threshold(rawCount, () -> rawThresholdValue(r));
      }
    } else {
      thresholdBucket = locate().bucket();
      nextBucket = counted().nextAbove(thresholdBucket);
      if (blockwise() && thresholdBucket == JointHistogram.ZERO) {
        // T >= 0 whatever the interpolation, and every value above 0 exceeds it: pass two counts.
        countAbove = 0;
      }
    }
    pass = 2;
  }

  /**
   * Where the raw values' ranks floor(q (n - 1)) and the one after fall: the threshold lies between
   * the lower end of the first's bucket and the upper end of the second's.
   *
   * @param below raw values in buckets below {@code low}
   */
  record RawRanks(long low, long high, long below, long lo) {
    boolean zero() {
      return low == JointHistogram.ZERO && high == JointHistogram.ZERO;
    }
  }

  /** The raw ranks' buckets; the raw histogram is final after pass one, so kept. */
  private RawRanks rawRanks() {
    if (blockwise()) {
      siblings.checkProven(name, rawCount);
      return siblings.rawRanks(rawCount, this::locateRawRanks);
    }
    if (rawRanks == null) {
      rawRanks = locateRawRanks();
    }
    return rawRanks;
  }

  private RawRanks locateRawRanks() {
    long lo = (long) Math.floor(quantile * (rawCount - 1));
    long next = Math.min(lo + 1, rawCount - 1);
    long[] state = {0, Long.MIN_VALUE, Long.MIN_VALUE, 0}; // cumulative, low, high, below
    rawValues()
        .forEachAscending(
            (ordinal, counts) -> {
              long n = counts[0];
              if (state[1] == Long.MIN_VALUE && state[0] + n > lo) {
                state[1] = ordinal;
                state[3] = state[0];
              }
              if (state[2] == Long.MIN_VALUE && state[0] + n > next) {
                state[2] = ordinal;
              }
              state[0] += n;
            });
    return new RawRanks(state[1], state[2], state[3], lo);
  }

  /** The resized values' class counts: in buckets above {@code high}, in [low, high], in all. */
  private double[][] resizedCounts(long low, long high) {
    double[] above = new double[k];
    double[] inRange = new double[k];
    double[] total = new double[k];
    histogram(k)
        .forEachAscending(
            (ordinal, counts) -> {
              for (int c = 0; c < counts.length; c++) {
                total[c] += counts[c];
                if (ordinal > high) {
                  above[c] += counts[c];
                } else if (ordinal >= low) {
                  inRange[c] += counts[c];
                }
              }
            });
    return new double[][] {above, inRange, total};
  }

  private Score rawResult() {
    if (rawCount == 0 || count == 0) {
      return Score.exact(0.0, count);
    }
    RawRanks r = rawRanks();
    if (Boolean.TRUE.equals(onDemand)) {
      return countedAbove();
    }
    double[][] counts = resizedCounts(r.low(), r.high());
    double[] fire = counts[0].clone();
    double[] total = counts[2];
    if (r.zero()) {
      // Both neighbouring ranks are exact zeros: T = 0, and no exact zero exceeds it.
      return Score.exact(statistic.compute(fire, total), count);
    }
    if (pass == 2) {
      return exactScore(fire, total, rawThresholdValue(r));
    }
    // One pass: the resized values in the threshold's range may each fire or not.
    double low = Double.POSITIVE_INFINITY;
    double high = Double.NEGATIVE_INFINITY;
    int used = Math.min(classes.size(), 12);
    for (int mask = 0; mask < 1 << used; mask++) {
      double[] corner = counts[0].clone();
      for (int c = 0; c < used; c++) {
        corner[c] += (mask >> c & 1) == 1 ? counts[1][c] : 0;
      }
      double s = statistic.compute(corner, total);
      low = Math.min(low, s);
      high = Math.max(high, s);
    }
    double[] half = counts[0].clone();
    for (int c = 0; c < k; c++) {
      half[c] += counts[1][c] / 2;
    }
    double estimate = Math.min(high, Math.max(low, statistic.compute(half, total)));
    return new Score(estimate, low, high, count, null);
  }

  /** The exact score over values resized on demand: the pass after the threshold counted it. */
  private Score countedAbove() {
    if (Double.isNaN(countAbove)) {
      throw new IllegalStateException(
          name + " over values resized on demand needs the pass that counts above its threshold");
    }
    // Binary statistic: class 1 is "on".
    return Score.exact(
        statistic.compute(
            new double[] {fireAll - fireOn, fireOn}, new double[] {count - onCount, onCount}),
        count);
  }

  /** Adds the second pass' collected values above the threshold to {@code fire}: the score. */
  private Score exactScore(double[] fire, double[] total, double threshold) {
    BucketValues.Distinct d = collected();
    for (int i = 0; i < d.values().length; i++) {
      if (d.values()[i] > threshold) {
        for (int c = 0; c < k; c++) {
          fire[c] += d.counts()[i][c];
        }
      }
    }
    return Score.exact(statistic.compute(fire, total), count);
  }

  /**
   * The values pass two collected near the threshold, with their per-class counts; blockwise, the
   * unit's values shared by the siblings, one class (they only fix the threshold).
   */
  private BucketValues.Distinct collected() {
    return blockwise() ? siblings.bucket().distinct(1) : bucketValues.distinct(k);
  }

  /**
   * The lowest bucket whose values pass two collects: exact zeros are left out when the threshold's
   * range starts at them (ReLU layers: often most values). T is then at least 0, so no zero fires;
   * the raw histogram counts them for the threshold's ranks.
   */
  private long collectLow() {
    return rangeLow == JointHistogram.ZERO ? JointHistogram.ZERO + 1 : rangeLow;
  }

  /** The exact raw threshold: NumPy's linear interpolation between ranks lo and lo + 1. */
  private double rawThresholdValue(RawRanks r) {
    BucketValues.Distinct d = (blockwise() ? siblings.rawRange() : rawRangeValues).distinct(1);
    if (r.low() == JointHistogram.ZERO) {
      // The zeros were counted, not collected: they come first in the range.
      long zeros = rawValues().zeros(0);
      float[] values = new float[d.values().length + 1];
      long[][] counts = new long[values.length][];
      counts[0] = new long[] {zeros};
      System.arraycopy(d.values(), 0, values, 1, d.values().length);
      System.arraycopy(d.counts(), 0, counts, 1, d.counts().length);
      d = new BucketValues.Distinct(values, counts);
    }
    return interpolate(d, r.below(), r.lo(), quantile * (rawCount - 1) - r.lo(), Float.NaN);
  }

  /**
   * Interpolates between the values of ranks lo and lo + 1 (NumPy's linear quantile), both among
   * the collected values whose smallest has rank {@code below}; {@code next} is rank lo + 1's value
   * when it lies beyond them (NaN: lo is the last rank).
   */
  private static double interpolate(
      BucketValues.Distinct d, long below, long lo, double fraction, float next) {
    long rank = below;
    float atLo = Float.NaN;
    float atNext = Float.NaN;
    for (int i = 0; i < d.values().length; i++) {
      long n = 0;
      for (long c : d.counts()[i]) {
        n += c;
      }
      if (Float.isNaN(atLo) && rank + n > lo) {
        atLo = d.values()[i];
      }
      if (rank + n > lo + 1) {
        atNext = d.values()[i];
        break;
      }
      rank += n;
    }
    if (Float.isNaN(atNext)) {
      atNext = Float.isNaN(next) ? atLo : next;
    }
    return atLo + fraction * ((double) atNext - atLo);
  }

  /** {@inheritDoc} */
  @Override
  public Score result() {
    if (rawThreshold) {
      return rawResult();
    }
    if (count == 0) {
      return Score.exact(0.0, 0);
    }
    Position p = locate();
    if (Boolean.TRUE.equals(onDemand)) {
      return countedAbove();
    }
    double[] fire = p.above().clone();
    if (p.bucket() == JointHistogram.ZERO) {
      // Exact zeros: T >= 0 whatever the interpolation, so no value of this bucket fires.
      return Score.exact(statistic.compute(fire, p.total()), count);
    }
    if (pass == 2) {
      return exactScore(fire, p.total(), exactThreshold(p));
    }
    long lo = (long) Math.floor(quantile * (count - 1));
    double needed = Math.max(0, Math.min(p.bucketCount(), count - 1 - lo - p.aboveCount()));
    double share = p.bucketCount() == 0 ? 0 : needed / p.bucketCount();
    for (int c = 0; c < k; c++) {
      fire[c] += share * p.bucketCounts()[c];
    }
    double estimate = statistic.compute(fire, p.total());
    double low = estimate;
    double high = estimate;
    int used = Math.min(classes.size(), 12);
    for (int mask = 0; mask < 1 << used; mask++) {
      double[] corner = p.above().clone();
      for (int c = 0; c < used; c++) {
        corner[c] += (mask >> c & 1) == 1 ? p.bucketCounts()[c] : 0;
      }
      double s = statistic.compute(corner, p.total());
      low = Math.min(low, s);
      high = Math.max(high, s);
    }
    return new Score(estimate, low, high, count, null);
  }

  private double exactThreshold(Position p) {
    long lo = (long) Math.floor(quantile * (count - 1));
    return interpolate(
        collected(),
        p.below(),
        lo,
        quantile * (count - 1) - lo,
        lo + 1 < count ? minAbove : Float.NaN);
  }
}
