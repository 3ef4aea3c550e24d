package org.deepbase.bench;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.deepbase.engine.catalog.LayerSpec;
import org.deepbase.engine.data.Npy;
import org.deepbase.engine.nn.DjlModel;

/**
 * Writes a loaded model's parameters as a NumPy {@code .npz} named like PyTorch's state dict
 * ({@code conv1.weight}, {@code conv1.bias}, ...), for the benchmark's Python baseline. DJL and
 * PyTorch share the layouts ([out, in, kh, kw] and [out, in]).
 */
final class WeightExport {
  private WeightExport() {}

  static void npz(DjlModel model, Path file) throws IOException {
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
      List<Block> layers = model.layers();
      for (int i = 0; i < layers.size(); i++) {
        LayerSpec spec = model.descriptor().layers().get(i);
        for (var entry : layers.get(i).getParameters()) {
          String name = entry.getKey();
          Parameter parameter = entry.getValue();
          String kind = name.endsWith("weight") ? "weight" : name.endsWith("bias") ? "bias" : null;
          if (kind == null) {
            continue;
          }
          zip.putNextEntry(new ZipEntry(spec.name() + "." + kind + ".npy"));
          OutputStream out =
              new java.io.FilterOutputStream(zip) {
                @Override
                public void close() {
                  // the zip entry is closed by the zip stream, not here
                }
              };
          List<Integer> shape = new ArrayList<>();
          for (long d : parameter.getArray().getShape().getShape()) {
            shape.add((int) d);
          }
          Npy.writeHeader(out, shape);
          Npy.writeFloats(out, parameter.getArray().toFloatArray());
          out.flush();
          zip.closeEntry();
        }
      }
    }
  }
}
