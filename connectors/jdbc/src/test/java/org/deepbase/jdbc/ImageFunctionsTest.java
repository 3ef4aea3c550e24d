package org.deepbase.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.imageio.ImageIO;
import org.deepbase.engine.picture.Pictures;
import org.deepbase.queries.pacman.DatasetGenerator;
import org.deepbase.queries.pacman.Maze;
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PNG-returning SQL functions: they decode, have the grid's size, and are brightest where the unit
 * is.
 */
class ImageFunctionsTest {
  static final int TITLE = 22;

  @Test
  void heatmapIsBrightestWhereThePlantedUnitFires(@TempDir Path dir) throws Exception {
    System.setProperty("java.awt.headless", "true");
    PlantedAgent.workspace(dir, "pacman", 41, 5);
    int ghost = DatasetGenerator.record(41, 3).state().ghost();
    String sql =
        "SELECT heatmap('pacman', 'conv1', "
            + PlantedAgent.GHOST_UNIT
            + ", 'pacman_test', 3), "
            + "heatmap_overlay('pacman', 'conv1', "
            + PlantedAgent.GHOST_UNIT
            + ", 'pacman_test', 3), "
            + "mask('walls', 'pacman_test', 3) FROM (VALUES (1))";
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      assertTrue(rs.next());
      assertEquals(java.sql.Types.VARBINARY, rs.getMetaData().getColumnType(1));
      for (int column = 1; column <= 3; column++) {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(rs.getBytes(column)));
        assertNotNull(image, "column " + column + " is a PNG");
        assertEquals(Maze.WIDTH * Pictures.CELL, image.getWidth());
        assertTrue(image.getHeight() > Maze.HEIGHT * Pictures.CELL, "grid plus title and legend");
      }
      BufferedImage heat = ImageIO.read(new ByteArrayInputStream(rs.getBytes(1)));
      int brightest = -1;
      double best = -1;
      for (int cell = 0; cell < Maze.CELLS; cell++) {
        int rgb =
            heat.getRGB(
                (cell % Maze.WIDTH) * Pictures.CELL + Pictures.CELL / 2,
                TITLE + (cell / Maze.WIDTH) * Pictures.CELL + Pictures.CELL / 2);
        double luminance =
            ((rgb >> 16) & 255) * 0.299 + ((rgb >> 8) & 255) * 0.587 + (rgb & 255) * 0.114;
        if (luminance > best) {
          best = luminance;
          brightest = cell;
        }
      }
      assertEquals(ghost, brightest, "the ghost cell is the brightest");
    }
  }
}
