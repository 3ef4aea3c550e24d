package org.deepbase.queries.pacman;

/** The agent's four actions; the ordinal is the model's output index. */
public enum Move {
  UP(-1, 0),
  DOWN(1, 0),
  LEFT(0, -1),
  RIGHT(0, 1);

  private final int dy;
  private final int dx;

  Move(int dy, int dx) {
    this.dy = dy;
    this.dx = dx;
  }

  /** Returns the cell reached from {@code cell} (row-major index) on a grid of the given width. */
  public int from(int cell, int width) {
    return (cell / width + dy) * width + cell % width + dx;
  }
}
