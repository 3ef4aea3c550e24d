package org.deepbase.engine.picture;

import java.awt.Graphics2D;
import org.deepbase.engine.data.DatasetRecord;

/**
 * Draws a record of a data domain as a person recognises it (a PacMan map, a line of text), cell by
 * cell on the dataset's symbol grid. Service provider interface, found with ServiceLoader.
 */
public interface RecordRenderer {
  /** Returns the domain whose records this draws. */
  String domain();

  /**
   * Draws the record with its symbol grid's top-left corner at (x, y), {@code cell} pixels per
   * symbol.
   */
  void draw(DatasetRecord record, Graphics2D g, int x, int y, int cell);

  /**
   * Draws what must stay visible above a unit's heat, which hides the cells it covers (e.g. the
   * outlines of a game's characters, so a reader sees whether the hottest cell is on one); nothing
   * by default.
   */
  default void drawMarks(DatasetRecord record, Graphics2D g, int x, int y, int cell) {}
}
