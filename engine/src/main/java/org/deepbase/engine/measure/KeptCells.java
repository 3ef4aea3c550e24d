package org.deepbase.engine.measure;

/**
 * The cells set in a bitmap over records x symbols, listed once in ascending order, with where each
 * record's cells start: a unit batch read back from a spill visits its kept cells three times
 * (copy, extremes, blocks reaching a limit), and a list is cheaper to walk than the bits.
 *
 * @param cells the set cells below records x symbols, ascending
 * @param recordStart record r's cells are {@code cells[recordStart[r]..recordStart[r + 1])}
 */
record KeptCells(int[] cells, int[] recordStart) {
  /** Lists the cells set in {@code bits} below {@code records * perRecord}. */
  static KeptCells of(long[] bits, int records, int perRecord) {
    int count = 0;
    for (long word : bits) {
      count += Long.bitCount(word);
    }
    int[] cells = new int[count];
    int k = 0;
    for (int w = 0; w < bits.length; w++) {
      // One step per set bit: the lowest is cleared each time.
      for (long word = bits[w]; word != 0; word &= word - 1) {
        cells[k++] = (w << 6) + Long.numberOfTrailingZeros(word);
      }
    }
    int[] start = new int[records + 1];
    int i = 0;
    for (int r = 0; r < records; r++) {
      start[r] = i;
      int end = (r + 1) * perRecord;
      while (i < count && cells[i] < end) {
        i++;
      }
    }
    start[records] = i;
    return new KeptCells(cells, start);
  }

  /** Returns how many cells lie below records x symbols. */
  int count() {
    return recordStart[recordStart.length - 1];
  }
}
