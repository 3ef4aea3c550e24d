package org.deepbase.cli;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.deepbase.queries.pacman.GameState;
import org.deepbase.queries.pacman.Maze;

/**
 * Draws a PacMan record, a unit's activation over it and a hypothesis mask side by side as PNG.
 */
final class MapPicture {
  private static final int CELL = 20;
  private static final int TITLE = 24;
  private static final int GAP = 12;

  private MapPicture() {
  }

  /** Writes the three panels; {@code input} is the record's [6, 15, 19] encoding. */
  static void write(Path file, float[] input, float[] activation, float[] mask, String activationTitle,
      String maskTitle) throws IOException {
    int panelWidth = Maze.WIDTH * CELL;
    int height = Maze.HEIGHT * CELL + TITLE + 30;
    BufferedImage image = new BufferedImage(3 * panelWidth + 2 * GAP, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
    drawMap(g, 0, input);
    float max = 0;
    for (float v : activation) {
      max = Math.max(max, v);
    }
    drawGrid(g, panelWidth + GAP, activation, max);
    drawGrid(g, 2 * (panelWidth + GAP), mask, 1f);
    g.setColor(Color.BLACK);
    g.drawString("map", 4, 16);
    g.drawString(activationTitle, panelWidth + GAP + 4, 16);
    g.drawString(maskTitle, 2 * (panelWidth + GAP) + 4, 16);
    drawLegend(g, panelWidth + GAP, TITLE + Maze.HEIGHT * CELL + 6, panelWidth, max);
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private static void drawMap(Graphics2D g, int x0, float[] input) {
    for (int c = 0; c < Maze.CELLS; c++) {
      int x = x0 + (c % Maze.WIDTH) * CELL;
      int y = TITLE + (c / Maze.WIDTH) * CELL;
      g.setColor(input[GameState.WALL * Maze.CELLS + c] > 0 ? new Color(33, 33, 160) : Color.BLACK);
      g.fillRect(x, y, CELL, CELL);
      if (input[GameState.DOT * Maze.CELLS + c] > 0) {
        g.setColor(new Color(255, 220, 180));
        g.fillOval(x + CELL / 2 - 2, y + CELL / 2 - 2, 4, 4);
      }
      if (input[GameState.PILL * Maze.CELLS + c] > 0) {
        g.setColor(new Color(255, 120, 200));
        g.fillOval(x + 4, y + 4, CELL - 8, CELL - 8);
      }
      if (input[GameState.PACMAN * Maze.CELLS + c] > 0) {
        g.setColor(Color.YELLOW);
        g.fillArc(x + 2, y + 2, CELL - 4, CELL - 4, 30, 300);
      }
      if (input[GameState.GHOST * Maze.CELLS + c] > 0) {
        g.setColor(Color.RED);
        g.fillRoundRect(x + 2, y + 2, CELL - 4, CELL - 4, 8, 8);
      }
    }
  }

  private static void drawGrid(Graphics2D g, int x0, float[] values, float max) {
    for (int c = 0; c < Maze.CELLS; c++) {
      g.setColor(heat(max > 0 ? values[c] / max : 0));
      g.fillRect(x0 + (c % Maze.WIDTH) * CELL, TITLE + (c / Maze.WIDTH) * CELL, CELL, CELL);
    }
  }

  private static void drawLegend(Graphics2D g, int x0, int y, int width, float max) {
    for (int i = 0; i < width; i++) {
      g.setColor(heat((float) i / (width - 1)));
      g.fillRect(x0 + i, y, 1, 10);
    }
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    g.drawString("0", x0, y + 22);
    String top = String.format(java.util.Locale.ROOT, "%.3g", max);
    g.drawString(top, x0 + width - g.getFontMetrics().stringWidth(top), y + 22);
  }

  /** Maps [0, 1] to black, red, yellow, white ("hot" colour scale). */
  private static Color heat(float t) {
    t = Math.max(0, Math.min(1, t));
    float r = Math.min(1, 3 * t);
    float gr = Math.max(0, Math.min(1, 3 * t - 1));
    float b = Math.max(0, Math.min(1, 3 * t - 2));
    return new Color(r, gr, b);
  }
}
