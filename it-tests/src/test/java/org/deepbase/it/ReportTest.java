package org.deepbase.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.deepbase.queries.pacman.PlantedAgent;
import org.deepbase.queries.pacman.SavedQueries;
import org.deepbase.report.Charts;
import org.deepbase.report.HtmlReport;
import org.deepbase.report.Results;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTML report: self-contained, charts structurally right, and rendered by a real browser. */
class ReportTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @Test
  void reportIsSelfContainedAndRendersItsCharts(@TempDir Path dir) throws Exception {
    System.setProperty("java.awt.headless", "true");
    PlantedAgent.workspace(dir, "pacman", 43, 60);
    Path report = dir.resolve("report.html");
    try (Connection c = DriverManager.getConnection("jdbc:deepbase:" + dir)) {
      new HtmlReport(c, "pacman_test", 2)
          .write(
              report,
              List.of(
                  new HtmlReport.Analysis("Ghost detectors", "SELECT * FROM ghost_detectors"),
                  new HtmlReport.Analysis(
                      "Anticipation", SavedQueries.load("anticipation", Map.of()))));
      // The bar chart has one bar per unit in each layer's colour, and labelled axes.
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT * FROM ghost_detectors")) {
        String svg = Charts.svg(HtmlReport.chart("Ghost detectors", Results.read(rs)));
        assertTrue(
            svg.contains(
                "<desc>x axis: unit (layer.unit); y axis: score; series: conv1, conv2, conv3</desc>"),
            svg.substring(0, 600));
        int units = 16 + 32 + 32;
        // Overlapped series: each layer's colour fills one bar per unit (zero height for the other
        // layer) plus its legend swatch.
        String first = svg.substring(svg.indexOf("fill:rgb(", svg.indexOf("<desc>")));
        long bars =
            Pattern.compile("style=\"fill:rgb\\(0,55,255\\)").matcher(svg).results().count();
        assertEquals(units + 1, bars, "one bar per unit: " + first.substring(0, 40));
      }
    }
    String html = Files.readString(report);
    assertTrue(html.contains("<table class=\"sortable\""));
    assertTrue(html.contains("data:image/png;base64,"), "overlays of the best units are inlined");
    assertFalse(
        Pattern.compile("(src|href)\\s*=\\s*\"(https?:)?//").matcher(html).find(),
        "no external resource");
    assertFalse(html.contains("@import") || html.contains("url(http"), "no external CSS");

    assumeTrue(
        Files.isExecutable(CHROMIUM), "Debian's chromium is not installed (.ci/run installs it)");
    Path shot = dir.resolve("shot.png");
    Process p =
        new ProcessBuilder(
                CHROMIUM.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
                "--user-data-dir=" + dir.resolve("chromium-profile"),
                "--window-size=1280,1600",
                "--screenshot=" + shot,
                report.toUri().toString())
            .redirectErrorStream(true)
            .start();
    p.getInputStream().readAllBytes();
    assertTrue(
        p.waitFor(120, TimeUnit.SECONDS) && Files.exists(shot), "chromium took a screenshot");
    BufferedImage image = ImageIO.read(shot.toFile());
    long barPixels = 0;
    long inked = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y) & 0xffffff;
        barPixels +=
            near(rgb, 0x0037ff) || near(rgb, 0xffac00) ? 1 : 0; // the two layers' bar colours
        inked += rgb != 0xffffff ? 1 : 0;
      }
    }
    assertTrue(barPixels > 200, "the bar chart's bars are on screen: " + barPixels + " pixels");
    System.out.println("report screenshot: " + shot + ", bar pixels " + barPixels);
    assertTrue(inked > image.getWidth() * image.getHeight() / 20, "the page is not blank");
  }

  /** Returns whether two colours differ by at most 40 in every channel (browsers blend edges). */
  static boolean near(int rgb, int target) {
    for (int shift = 0; shift <= 16; shift += 8) {
      if (Math.abs((rgb >> shift & 255) - (target >> shift & 255)) > 40) {
        return false;
      }
    }
    return true;
  }
}
