package org.deepbase.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** Result sets written as the command line writes them, from a real H2 result set. */
class ResultFormatTest {
  private static final int ROWS = 5_000;

  @Test
  void csvIsWrittenInBuffersNotRowByRow() throws Exception {
    Counting out = new Counting();
    long rows;
    try (Connection c = DriverManager.getConnection("jdbc:h2:mem:");
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT X AS unit, 'layer' || MOD(X, 4) AS layer, X / 7.0 AS score"
                    + " FROM SYSTEM_RANGE(1, "
                    + ROWS
                    + ") ORDER BY X")) {
      rows = ResultFormat.csv.write(rs, out);
    }
    assertEquals(ROWS, rows);
    String[] lines = out.bytes.toString(StandardCharsets.UTF_8).split("\r\n");
    assertEquals(ROWS + 1, lines.length, "a header and one line per row");
    assertEquals("\"UNIT\",\"LAYER\",\"SCORE\"", lines[0], "header names, quoted as strings");
    assertTrue(lines[7].startsWith("7,\"layer3\","), lines[7]);
    assertTrue(lines[ROWS].startsWith(ROWS + ",\"layer0\","), lines[ROWS]);
    // One flush at the end (the caller's), not one per row: each flush was a write call.
    assertTrue(out.flushes <= 2, out.flushes + " flushes for " + ROWS + " rows");
    assertTrue(out.writes < ROWS / 50, out.writes + " writes for " + ROWS + " rows");
  }

  /** Counts the writes and flushes that reach the stream. */
  private static final class Counting extends FilterOutputStream {
    final ByteArrayOutputStream bytes;
    int writes;
    int flushes;

    Counting() {
      this(new ByteArrayOutputStream());
    }

    private Counting(ByteArrayOutputStream bytes) {
      super(bytes);
      this.bytes = bytes;
    }

    @Override
    public void write(int b) throws IOException {
      writes++;
      bytes.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      writes++;
      bytes.write(b, off, len);
    }

    @Override
    public void flush() {
      flushes++;
    }
  }
}
