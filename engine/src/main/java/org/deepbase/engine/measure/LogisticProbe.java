package org.deepbase.engine.measure;

/**
 * Multinomial logistic regression on standardised features, trained by full-batch gradient descent
 * with Nesterov momentum; L2 (ridge) or L1 (lasso, by proximal soft-thresholding) penalty; classes
 * weighted by inverse frequency so that a rare class (one ghost cell in 285) is not ignored.
 */
final class LogisticProbe {
  /** The penalty on the weights (never on the intercepts). */
  enum Penalty {
    L1,
    L2
  }

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

  /** Fits on the samples whose index is selected. */
  static LogisticProbe fit(
      float[][] x, int[] y, boolean[] use, int classes, Penalty penalty, double lambda) {
    int d = x.length == 0 ? 0 : x[0].length;
    int n = 0;
    double[] mean = new double[d];
    double[] scale = new double[d];
    double[] classCount = new double[classes];
    for (int i = 0; i < x.length; i++) {
      if (use[i]) {
        n++;
        classCount[y[i]]++;
        for (int j = 0; j < d; j++) {
          mean[j] += x[i][j];
        }
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= Math.max(n, 1);
    }
    for (int i = 0; i < x.length; i++) {
      if (use[i]) {
        for (int j = 0; j < d; j++) {
          double c = x[i][j] - mean[j];
          scale[j] += c * c;
        }
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
    double[][] w = new double[classes][d];
    double[] b = new double[classes];
    double[][] vw = new double[classes][d];
    double[] vb = new double[classes];
    double[] z = new double[classes];
    double[] xs = new double[d];
    for (int it = 0; it < ITERATIONS; it++) {
      double momentum = it / (it + 3.0);
      // Look-ahead point of Nesterov's method.
      double[][] lw = new double[classes][d];
      double[] lb = new double[classes];
      for (int c = 0; c < classes; c++) {
        for (int j = 0; j < d; j++) {
          lw[c][j] = w[c][j] + momentum * vw[c][j];
        }
        lb[c] = b[c] + momentum * vb[c];
      }
      double[][] gw = new double[classes][d];
      double[] gb = new double[classes];
      for (int i = 0; i < x.length; i++) {
        if (!use[i]) {
          continue;
        }
        for (int j = 0; j < d; j++) {
          xs[j] = (x[i][j] - mean[j]) * scale[j];
        }
        softmax(lw, lb, xs, z);
        double weight = classWeight[y[i]];
        for (int c = 0; c < classes; c++) {
          double g = weight * (z[c] - (y[i] == c ? 1 : 0));
          gb[c] += g;
          for (int j = 0; j < d; j++) {
            gw[c][j] += g * xs[j];
          }
        }
      }
      for (int c = 0; c < classes; c++) {
        double nb = lb[c] - STEP * gb[c] / n;
        vb[c] = nb - b[c];
        b[c] = nb;
        for (int j = 0; j < d; j++) {
          double grad = gw[c][j] / n + (penalty == Penalty.L2 ? lambda * lw[c][j] : 0);
          double nw = lw[c][j] - STEP * grad;
          if (penalty == Penalty.L1) {
            nw = Math.signum(nw) * Math.max(0, Math.abs(nw) - STEP * lambda);
          }
          vw[c][j] = nw - w[c][j];
          w[c][j] = nw;
        }
      }
    }
    return new LogisticProbe(mean, scale, w, b);
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
