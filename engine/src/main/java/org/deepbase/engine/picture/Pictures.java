package org.deepbase.engine.picture;

import java.awt.AlphaComposite;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import javax.imageio.ImageIO;
import org.deepbase.engine.data.DatasetRecord;

/**
 * Renders grids of values (a unit's activation, a hypothesis mask) as PNG images with a colour
 * legend, optionally over a drawing of the record.
 */
public final class Pictures {
  /** Pixels per symbol. */
  public static final int CELL = 24;

  private static final int TITLE = 22;
  private static final int LEGEND = 34;

  private Pictures() {}

  /**
   * Draws a grid of values as a heat image.
   *
   * @param values row-major, rows x cols
   * @param title shown above the grid
   * @param background the record to draw under the heat (translucent), or null
   * @param domain the record's domain, to find its renderer
   */
  public static byte[] heat(
      float[] values, int rows, int cols, String title, DatasetRecord background, String domain) {
    int width = Math.max(cols * CELL, 240);
    BufferedImage image =
        new BufferedImage(width, TITLE + rows * CELL + LEGEND, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, image.getWidth(), image.getHeight());
      float min = Float.POSITIVE_INFINITY;
      float max = Float.NEGATIVE_INFINITY;
      for (float v : values) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      float low = Math.min(0, min);
      float span = max > low ? max - low : 1;
      if (background != null) {
        renderer(domain).draw(background, g, 0, TITLE, CELL);
      }
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          float t = (values[r * cols + c] - low) / span;
          if (background != null) {
            if (t <= 0) {
              continue; // leave the record visible where the unit is silent
            }
            // Stronger activation, more opaque: the record stays readable under weak responses.
            g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, 0.25f + 0.6f * t));
          }
          g.setColor(heat(t));
          g.fillRect(c * CELL, TITLE + r * CELL, CELL, CELL);
        }
      }
      g.setComposite(AlphaComposite.SrcOver);
      if (background != null) {
        renderer(domain).drawMarks(background, g, 0, TITLE, CELL);
      }
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
      g.drawString(title, 4, 16);
      legend(g, 0, TITLE + rows * CELL + 6, Math.min(width, cols * CELL), low, max);
    } finally {
      g.dispose();
    }
    return png(image);
  }

  private static void legend(Graphics2D g, int x, int y, int width, float low, float high) {
    for (int i = 0; i < width; i++) {
      g.setColor(heat((float) i / Math.max(1, width - 1)));
      g.fillRect(x + i, y, 1, 10);
    }
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    g.drawString(format(low), x, y + 23);
    String top = format(high);
    g.drawString(top, x + width - g.getFontMetrics().stringWidth(top), y + 23);
  }

  private static String format(float v) {
    return String.format(Locale.ROOT, "%.3g", v);
  }

  /** Maps [0, 1] to black, red, yellow, white (the "hot" colour scale). */
  public static Color heat(float t) {
    float c = Math.max(0, Math.min(1, t));
    return new Color(
        Math.min(1, 3 * c),
        Math.max(0, Math.min(1, 3 * c - 1)),
        Math.max(0, Math.min(1, 3 * c - 2)));
  }

  /** Returns the renderer of a domain, or one that draws nothing. */
  public static RecordRenderer renderer(String domain) {
    for (RecordRenderer r : ServiceLoader.load(RecordRenderer.class)) {
      if (r.domain().equals(domain)) {
        return r;
      }
    }
    return new RecordRenderer() {
      @Override
      public String domain() {
        return domain;
      }

      @Override
      public void draw(DatasetRecord record, Graphics2D g, int x, int y, int cell) {}
    };
  }

  /** Places PNG images side by side. */
  public static byte[] sideBySide(List<byte[]> pngs) {
    try {
      List<BufferedImage> images = new java.util.ArrayList<>();
      for (byte[] p : pngs) {
        images.add(ImageIO.read(new java.io.ByteArrayInputStream(p)));
      }
      int gap = 12;
      int width =
          images.stream().mapToInt(BufferedImage::getWidth).sum() + gap * (images.size() - 1);
      int height = images.stream().mapToInt(BufferedImage::getHeight).max().orElse(1);
      BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = out.createGraphics();
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      int x = 0;
      for (BufferedImage i : images) {
        g.drawImage(i, x, 0, null);
        x += i.getWidth() + gap;
      }
      g.dispose();
      return png(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] png(BufferedImage image) {
    try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      ImageIO.write(image, "png", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
