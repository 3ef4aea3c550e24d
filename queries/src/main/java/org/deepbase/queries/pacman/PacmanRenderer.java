package org.deepbase.queries.pacman;

import java.awt.Color;
import java.awt.Graphics2D;
import java.nio.FloatBuffer;
import org.deepbase.engine.data.DatasetRecord;
import org.deepbase.engine.picture.RecordRenderer;

/**
 * Draws a PacMan map: blue walls, black roads with dots, the pill, PacMan and the ghost; above a
 * unit's heat, the outlines of PacMan's and the ghost's cells.
 */
public final class PacmanRenderer implements RecordRenderer {
  private static final Color WALL = new Color(33, 33, 160);
  private static final Color DOT = new Color(255, 220, 180);
  private static final Color PILL = new Color(255, 120, 200);

  /** {@inheritDoc} */
  @Override
  public String domain() {
    return DatasetGenerator.DOMAIN;
  }

  /** {@inheritDoc} */
  @Override
  public void draw(DatasetRecord record, Graphics2D g, int x0, int y0, int cell) {
    FloatBuffer in = record.input();
    for (int c = 0; c < Maze.CELLS; c++) {
      int x = x0 + (c % Maze.WIDTH) * cell;
      int y = y0 + (c / Maze.WIDTH) * cell;
      g.setColor(in.get(GameState.WALL * Maze.CELLS + c) > 0 ? WALL : Color.BLACK);
      g.fillRect(x, y, cell, cell);
      if (in.get(GameState.DOT * Maze.CELLS + c) > 0) {
        g.setColor(DOT);
        g.fillOval(x + cell / 2 - 2, y + cell / 2 - 2, 4, 4);
      }
      if (in.get(GameState.PILL * Maze.CELLS + c) > 0) {
        g.setColor(PILL);
        g.fillOval(x + 4, y + 4, cell - 8, cell - 8);
      }
      if (in.get(GameState.PACMAN * Maze.CELLS + c) > 0) {
        g.setColor(Color.YELLOW);
        g.fillArc(x + 2, y + 2, cell - 4, cell - 4, 30, 300);
      }
      if (in.get(GameState.GHOST * Maze.CELLS + c) > 0) {
        g.setColor(Color.RED);
        g.fillRoundRect(x + 2, y + 2, cell - 4, cell - 4, 8, 8);
      }
    }
  }

  /** Outlines the ghost's cell (red) and PacMan's (yellow) above the heat. */
  @Override
  public void drawMarks(DatasetRecord record, Graphics2D g, int x0, int y0, int cell) {
    FloatBuffer in = record.input();
    java.awt.Stroke stroke = g.getStroke();
    g.setStroke(new java.awt.BasicStroke(3f));
    for (int c = 0; c < Maze.CELLS; c++) {
      int x = x0 + (c % Maze.WIDTH) * cell;
      int y = y0 + (c / Maze.WIDTH) * cell;
      if (in.get(GameState.PACMAN * Maze.CELLS + c) > 0) {
        g.setColor(Color.YELLOW);
        g.drawRect(x + 1, y + 1, cell - 3, cell - 3);
      }
      if (in.get(GameState.GHOST * Maze.CELLS + c) > 0) {
        g.setColor(Color.RED);
        g.drawRect(x + 1, y + 1, cell - 3, cell - 3);
      }
    }
    g.setStroke(stroke);
  }
}
