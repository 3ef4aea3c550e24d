package org.deepbase.engine.measure;

/**
 * Multinomial logistic regression on standardised features; classes weighted by inverse frequency
 * so that a rare class (one ghost cell in 285) is not ignored. With an L2 (ridge) penalty it is
 * trained by seeded minibatch Adam, as NeuroX's linear probes and most probing code are; with an L1
 * (lasso) penalty by full-batch proximal gradient descent with Nesterov momentum, whose
 * soft-threshold sets unused weights exactly to zero (Adam's normalised steps keep them jittering
 * around it).
 *
 * <p>Why Adam for the default probe and not full-batch descent (used for both until issue 17,
 * session 5): on a 7-class target that is not linearly decodable (bracket depth from a random
 * Transformer), full-batch Nesterov descent to the penalised optimum reached a held-out balanced
 * accuracy of 0.21-0.23 whatever the iterations (300: 0.220, 3,000: 0.211), samples (100,000:
 * 0.208-0.228) or L2 weight (0 to 1e-2); Adam on the same 20,000 samples reached 0.244-0.256, as
 * the NeuroX-style script does on all 256,000 tokens (0.252-0.256; numbers from a NumPy replica of
 * both recipes). A probe estimates what a linear read-out can decode: the recipe that decodes more
 * of held-out data is the tighter estimate. It is also ~8x less arithmetic (about 2,000 steps of
 * 256 samples instead of 300 passes over all of them).
 */
final class LogisticProbe {
  /** The penalty on the weights (never on the intercepts). */
  enum Penalty {
    L1,
    L2
  }

  static final int BATCH = 256;
  static final int MIN_EPOCHS = 10;

  /** Small sample sets get more epochs: ten epochs of a few batches do not converge. */
  static final int MIN_STEPS = 2000;

  private static final double LEARNING_RATE = 0.01;
  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double EPSILON = 1e-8;

  /** Full-batch proximal descent (lasso): iterations and step on standardised features. */
  private static final int ITERATIONS = 300;

  private static final double STEP = 0.5;

  final double[] mean;
  final double[] scale;

  /** weights[c][j], j = features; intercepts[c]. */
  final double[][] weights;

  final double[] intercepts;

  private LogisticProbe(double[] mean, double[] scale, double[][] weights, double[] intercepts) {
    this.mean = mean;
    this.scale = scale;
    this.weights = weights;
    this.intercepts = intercepts;
  }

  /**
   * Fits on the samples whose index is selected; {@code seed} fixes the minibatch order (the
   * lasso's full-batch descent does not use it).
   */
  static LogisticProbe fit(
      float[][] x, int[] y, boolean[] use, int classes, Penalty penalty, double lambda, long seed) {
    Problem problem = Problem.of(x, y, use, classes);
    double[][] w = new double[classes][problem.mean.length];
    double[] b = new double[classes];
    if (penalty == Penalty.L1) {
      proximalDescent(problem, lambda, w, b);
    } else {
      adam(problem, lambda, seed, w, b);
    }
    return new LogisticProbe(problem.mean, problem.scale, w, b);
  }

  private static void adam(Problem problem, double lambda, long seed, double[][] w, double[] b) {
    int n = problem.order.length;
    int classes = b.length;
    int d = problem.mean.length;
    Adam adamW = new Adam(classes * d);
    Adam adamB = new Adam(classes);
    Gradient g = new Gradient(classes, d);
    java.util.Random random = new java.util.Random(seed);
    int batches = (n + BATCH - 1) / BATCH;
    int epochs = n == 0 ? 0 : Math.max(MIN_EPOCHS, (MIN_STEPS + batches - 1) / batches);
    for (int epoch = 0; epoch < epochs; epoch++) {
      shuffle(problem.order, random);
      for (int start = 0; start < n; start += BATCH) {
        int size = Math.min(n, start + BATCH) - start;
        problem.gradient(start, start + size, w, b, g);
        adamW.tick();
        adamB.tick();
        for (int c = 0; c < classes; c++) {
          b[c] = adamB.step(c, b[c], g.b[c] / size);
          for (int j = 0; j < d; j++) {
            w[c][j] = adamW.step(c * d + j, w[c][j], g.w[c][j] / size + lambda * w[c][j]);
          }
        }
      }
    }
  }

  private static void proximalDescent(Problem problem, double lambda, double[][] w, double[] b) {
    int n = problem.order.length;
    int classes = b.length;
    int d = problem.mean.length;
    double[][] vw = new double[classes][d];
    double[] vb = new double[classes];
    double[][] lw = new double[classes][d];
    double[] lb = new double[classes];
    Gradient g = new Gradient(classes, d);
    for (int it = 0; it < ITERATIONS; it++) {
      double momentum = it / (it + 3.0);
      // Look-ahead point of Nesterov's method.
      for (int c = 0; c < classes; c++) {
        for (int j = 0; j < d; j++) {
          lw[c][j] = w[c][j] + momentum * vw[c][j];
        }
        lb[c] = b[c] + momentum * vb[c];
      }
      problem.gradient(0, n, lw, lb, g);
      for (int c = 0; c < classes; c++) {
        double nb = lb[c] - STEP * g.b[c] / n;
        vb[c] = nb - b[c];
        b[c] = nb;
        for (int j = 0; j < d; j++) {
          double nw = lw[c][j] - STEP * g.w[c][j] / n;
          nw = Math.signum(nw) * Math.max(0, Math.abs(nw) - STEP * lambda);
          vw[c][j] = nw - w[c][j];
          w[c][j] = nw;
        }
      }
    }
  }

  private static void shuffle(int[] order, java.util.Random random) {
    for (int i = order.length - 1; i > 0; i--) {
      int k = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[k];
      order[k] = t;
    }
  }

  /** The samples in use, their standardisation and class weights. */
  private record Problem(
      float[][] x, int[] y, int[] order, double[] mean, double[] scale, double[] classWeight) {
    static Problem of(float[][] x, int[] y, boolean[] use, int classes) {
      int d = x.length == 0 ? 0 : x[0].length;
      int n = 0;
      for (boolean u : use) {
        n += u ? 1 : 0;
      }
      int[] order = new int[n];
      for (int i = 0, k = 0; i < x.length; i++) {
        if (use[i]) {
          order[k++] = i;
        }
      }
      double[] mean = new double[d];
      double[] scale = new double[d];
      double[] classCount = new double[classes];
      for (int i : order) {
        classCount[y[i]]++;
        for (int j = 0; j < d; j++) {
          mean[j] += x[i][j];
        }
      }
      for (int j = 0; j < d; j++) {
        mean[j] /= Math.max(n, 1);
      }
      for (int i : order) {
        for (int j = 0; j < d; j++) {
          double c = x[i][j] - mean[j];
          scale[j] += c * c;
        }
      }
      for (int j = 0; j < d; j++) {
        double sd = Math.sqrt(scale[j] / Math.max(n, 1));
        scale[j] = sd > 1e-12 ? 1 / sd : 0; // constant features carry nothing
      }
      double[] classWeight = new double[classes];
      int present = 0;
      for (double c : classCount) {
        present += c > 0 ? 1 : 0;
      }
      for (int c = 0; c < classes; c++) {
        classWeight[c] = classCount[c] > 0 ? n / (present * classCount[c]) : 0;
      }
      return new Problem(x, y, order, mean, scale, classWeight);
    }

    /**
     * Sets {@code g} to the class-weighted cross-entropy's gradient summed over the samples {@code
     * order[from..to)}, at weights {@code w} and intercepts {@code b}.
     */
    void gradient(int from, int to, double[][] w, double[] b, Gradient g) {
      for (double[] row : g.w) {
        java.util.Arrays.fill(row, 0);
      }
      java.util.Arrays.fill(g.b, 0);
      int d = mean.length;
      for (int k = from; k < to; k++) {
        int i = order[k];
        for (int j = 0; j < d; j++) {
          g.xs[j] = (x[i][j] - mean[j]) * scale[j];
        }
        softmax(w, b, g.xs, g.z);
        double weight = classWeight[y[i]];
        for (int c = 0; c < b.length; c++) {
          double e = weight * (g.z[c] - (y[i] == c ? 1 : 0));
          g.b[c] += e;
          double[] row = g.w[c];
          for (int j = 0; j < d; j++) {
            row[j] += e * g.xs[j];
          }
        }
      }
    }
  }

  /** A gradient and the scratch rows computing it. */
  private static final class Gradient {
    final double[][] w;
    final double[] b;
    final double[] xs;
    final double[] z;

    Gradient(int classes, int d) {
      w = new double[classes][d];
      b = new double[classes];
      xs = new double[d];
      z = new double[classes];
    }
  }

  /** Adam's moment estimates for a vector of parameters (Kingma and Ba, with bias correction). */
  private static final class Adam {
    private final double[] first;
    private final double[] second;
    private double correction1 = 1;
    private double correction2 = 1;

    Adam(int parameters) {
      first = new double[parameters];
      second = new double[parameters];
    }

    void tick() {
      correction1 *= BETA1;
      correction2 *= BETA2;
    }

    /** Returns parameter {@code p}'s next value given its gradient. */
    double step(int p, double value, double gradient) {
      first[p] = BETA1 * first[p] + (1 - BETA1) * gradient;
      second[p] = BETA2 * second[p] + (1 - BETA2) * gradient * gradient;
      double m = first[p] / (1 - correction1);
      double v = second[p] / (1 - correction2);
      return value - LEARNING_RATE * m / (Math.sqrt(v) + EPSILON);
    }
  }

  /** Returns the most probable class of a sample. */
  int predict(float[] sample) {
    int best = 0;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < weights.length; c++) {
      double s = intercepts[c];
      for (int j = 0; j < sample.length; j++) {
        s += weights[c][j] * (sample[j] - mean[j]) * scale[j];
      }
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    return best;
  }

  /** Returns each feature's importance: the largest |weight| over classes (standardised units). */
  double[] importance() {
    double[] importance = new double[mean.length];
    for (double[] row : weights) {
      for (int j = 0; j < row.length; j++) {
        importance[j] = Math.max(importance[j], Math.abs(row[j]));
      }
    }
    return importance;
  }

  private static void softmax(double[][] w, double[] b, double[] x, double[] out) {
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < w.length; c++) {
      double s = b[c];
      for (int j = 0; j < x.length; j++) {
        s += w[c][j] * x[j];
      }
      out[c] = s;
      max = Math.max(max, s);
    }
    double sum = 0;
    for (int c = 0; c < w.length; c++) {
      out[c] = Math.exp(out[c] - max);
      sum += out[c];
    }
    for (int c = 0; c < w.length; c++) {
      out[c] /= sum;
    }
  }
}
