package org.deepbase.sql;

import org.apache.calcite.DataContext;
import org.deepbase.engine.catalog.DatasetDescriptor;
import org.deepbase.engine.data.DatasetRecord;
import org.deepbase.engine.exec.RecordView;
import org.deepbase.engine.picture.Pictures;
import org.deepbase.engine.workspace.Workspace;
import org.deepbase.sql.schema.DeepBaseSchema;

/**
 * SQL scalar functions returning PNG images (VARBINARY), which BI tools such as DBeaver display:
 * {@code heatmap(model, layer, unit, dataset, record_id)}, {@code heatmap_overlay(...)} (the same
 * over a drawing of the record) and {@code mask(hypothesis, dataset, record_id)}. {@code model} is
 * 'name' (latest checkpoint) or 'name@N'.
 *
 * <p>Each function has a shape method (the SQL signature) and an {@code ...Impl} method that also
 * receives the DataContext; see {@link ContextFunction}.
 */
public final class ImageFunctions {
  private ImageFunctions() {}

  /** Signature of {@code heatmap}. */
  public static byte[] heatmap(String model, String layer, int unit, String dataset, int recordId) {
    throw new UnsupportedOperationException("planned through heatmapImpl");
  }

  /**
   * Signature of {@code heatmap_overlay} (OVERLAY is a standard SQL function with its own syntax).
   */
  public static byte[] heatmap_overlay(
      String model, String layer, int unit, String dataset, int recordId) {
    throw new UnsupportedOperationException("planned through heatmap_overlayImpl");
  }

  /** Signature of {@code mask}. */
  public static byte[] mask(String hypothesis, String dataset, int recordId) {
    throw new UnsupportedOperationException("planned through maskImpl");
  }

  /** Draws a unit's activation over a record's symbol grid. */
  public static byte[] heatmapImpl(
      DataContext root, String model, String layer, int unit, String dataset, int recordId) {
    return unitPicture(root, model, layer, unit, dataset, recordId, false);
  }

  /** Draws a unit's activation over a drawing of the record. */
  public static byte[] heatmap_overlayImpl(
      DataContext root, String model, String layer, int unit, String dataset, int recordId) {
    return unitPicture(root, model, layer, unit, dataset, recordId, true);
  }

  /** Draws a hypothesis' annotation of a record. */
  public static byte[] maskImpl(DataContext root, String hypothesis, String dataset, int recordId) {
    Workspace workspace = DeepBaseSchema.workspaceOf(root, "mask");
    DatasetDescriptor d = workspace.dataset(dataset);
    DatasetRecord record = RecordView.record(workspace, d, recordId);
    float[] values =
        org.deepbase.engine.hypothesis.Hypotheses.annotate(
            workspace.hypothesis(d, hypothesis), d, record);
    int[] grid = grid(d);
    return Pictures.heat(
        values, grid[0], grid[1], hypothesis + " on record " + recordId, null, d.domain());
  }

  private static byte[] unitPicture(
      DataContext root,
      String model,
      String layer,
      int unit,
      String dataset,
      int recordId,
      boolean over) {
    Workspace workspace = DeepBaseSchema.workspaceOf(root, over ? "overlay" : "heatmap");
    DatasetDescriptor d = workspace.dataset(dataset);
    float[] values = RecordView.behavior(workspace, model, layer, unit, d, recordId);
    int[] grid = grid(d);
    DatasetRecord background = over ? RecordView.record(workspace, d, recordId) : null;
    return Pictures.heat(
        values,
        grid[0],
        grid[1],
        model + " " + layer + "." + unit + " on record " + recordId,
        background,
        d.domain());
  }

  private static int[] grid(DatasetDescriptor d) {
    var shape = d.symbolShape();
    return shape.size() == 2
        ? new int[] {shape.get(0), shape.get(1)}
        : new int[] {1, d.symbolCount()};
  }
}
