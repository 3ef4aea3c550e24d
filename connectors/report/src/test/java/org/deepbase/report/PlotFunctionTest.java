package org.deepbase.report;

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
import org.deepbase.queries.pacman.PlantedAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plot()} reaches every connection through the FunctionProvider extension point and draws a
 * chart.
 */
class PlotFunctionTest {
  @Test
  void plotFromSql(@TempDir Path dir) throws Exception {
    System.setProperty("java.awt.headless", "true");
    PlantedAgent.workspace(dir, "pacman", 47, 20);
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT png, svg FROM TABLE(plot(query => 'SELECT layer, unit, score FROM "
                    + "ghost_detectors', title => 'ghost'))")) {
      assertTrue(rs.next());
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(rs.getBytes(1)));
      assertNotNull(image);
      assertTrue(
          rs.getString(2).contains("<desc>x axis: unit (layer.unit); y axis: score"),
          "SVG with labelled axes");
    }
  }
}
