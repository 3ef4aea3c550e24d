package org.deepbase.engine.nn;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.deepbase.engine.DeepBaseException;
import org.deepbase.engine.ErrorCode;
import org.deepbase.engine.catalog.Checkpoint;
import org.deepbase.engine.catalog.LayerInfo;
import org.deepbase.engine.catalog.LayerSpec;
import org.deepbase.engine.catalog.ModelDescriptor;

/**
 * One checkpoint of a TorchScript model. DJL cannot hook a scripted module's internals, so the
 * module itself returns its layers' outputs: an exported {@code activations(x)} method, or its
 * forward, returns a {@code Dict[str, Tensor]} (what {@code tools/deepbase_export.py} writes).
 * Every call computes every layer: a script cannot be stopped half way.
 */
public final class TorchScriptModel implements LoadedModel {
  /** The exported method looked for first; forward otherwise. */
  public static final String METHOD = "activations";

  static final String HELPER = "tools/deepbase_export.py";

  private final ModelDescriptor descriptor;
  private final Checkpoint checkpoint;
  private final Model model;
  private final PtSymbolBlock block;
  private final String method;
  private final List<LayerInfo> layers;

  private TorchScriptModel(ModelDescriptor descriptor, Checkpoint checkpoint, Model model) {
    this.descriptor = descriptor;
    this.checkpoint = checkpoint;
    this.model = model;
    this.block = (PtSymbolBlock) model.getBlock();
    this.method =
        Arrays.asList(JniUtils.getMethodNames(block)).contains(METHOD) ? METHOD : "forward";
    this.layers = probe();
  }

  /** Loads a checkpoint and checks, with one probe forward, that it returns its layers by name. */
  public static TorchScriptModel load(ModelDescriptor descriptor, Checkpoint checkpoint) {
    refuseSuspectLstm(descriptor, checkpoint);
    Nnpack.turnOffWhereUnavailable(); // a picture's forward pass is one record
    Model model = Model.newInstance(descriptor.name(), "PyTorch");
    try {
      String file = checkpoint.path().getFileName().toString();
      // trainParam: parameters loaded as ordinary tensors, so a gradient behavior can backpropagate
      // through them (as inference tensors autograd refuses them); inference runs stay graph-free.
      model.load(
          checkpoint.path().getParent(),
          file.substring(0, file.length() - ".pt".length()),
          Map.of("trainParam", "true"));
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      throw new DeepBaseException(
          ErrorCode.MODEL_LOAD_FAILED,
          "cannot load TorchScript model '"
              + descriptor.name()
              + "' checkpoint "
              + checkpoint.epoch()
              + " from "
              + checkpoint.path()
              + " (is it a file saved by torch.jit.save?): "
              + firstLine(e),
          e);
    }
    try {
      return new TorchScriptModel(descriptor, checkpoint, model);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** Trusts this machine's oneDNN LSTM kernels (known good) instead of refusing LSTM models. */
  public static final String TRUST_LSTM = "deepbase.lstm.trustOneDnn";

  private static final java.util.regex.Pattern LSTM_CALL =
      java.util.regex.Pattern.compile("\\blstm\\s*\\(");

  /**
   * Refuses a model whose TorchScript code calls an LSTM where libtorch's oneDNN LSTM kernels are
   * suspect ({@link OneDnn#suspect}): they returned wrong outputs on this project's AVX-512
   * machines, which would be inspected without a word. The code is read from the archive's {@code
   * code/} entries (TorchScript keeps each module's code there; nn.LSTM compiles to a {@code
   * lstm(...)} call).
   */
  static void refuseSuspectLstm(ModelDescriptor descriptor, Checkpoint checkpoint) {
    if (!OneDnn.suspect() || Boolean.getBoolean(TRUST_LSTM) || !callsLstm(checkpoint.path())) {
      return;
    }
    throw new DeepBaseException(
        ErrorCode.MODEL_LOAD_FAILED,
        "model '"
            + descriptor.name()
            + "' runs an LSTM, and on"
            + " this CPU (AVX2 or wider) libtorch's oneDNN LSTM kernels were measured to return wrong outputs: start"
            + " DeepBase with the environment variable "
            + OneDnn.FIX
            + " (e.g. '"
            + OneDnn.FIX
            + " ./deepbase ...'), which"
            + " makes them exact at some cost in speed, or set -D"
            + TRUST_LSTM
            + "=true if this machine's kernels are"
            + " known good (see docs/pytorch.md)");
  }

  /**
   * Returns whether a TorchScript archive's code calls an LSTM (false when it cannot be read as
   * one).
   */
  static boolean callsLstm(java.nio.file.Path archive) {
    try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(archive.toFile())) {
      for (java.util.zip.ZipEntry entry : java.util.Collections.list(zip.entries())) {
        if (entry.getName().contains("/code/")
            && entry.getName().endsWith(".py")
            && entry.getSize() < (8 << 20)) {
          try (java.io.InputStream in = zip.getInputStream(entry)) {
            String code =
                new String(in.readNBytes(8 << 20), java.nio.charset.StandardCharsets.UTF_8);
            if (LSTM_CALL.matcher(code).find()) {
              return true;
            }
          }
        }
      }
      return false;
    } catch (IOException e) {
      return false; // not an archive: loading reports that
    }
  }

  /** Discovers a model's layers and their per-record shapes from one probe forward. */
  public static List<LayerInfo> describeLayers(ModelDescriptor descriptor, Checkpoint checkpoint) {
    try (TorchScriptModel loaded = load(descriptor, checkpoint)) {
      return loaded.layers;
    }
  }

  /** Returns the exposed layers, in the descriptor's order. */
  public List<LayerInfo> layers() {
    return layers;
  }

  @Override
  public NDArray[] forward(NDArray input, int deepest, boolean withGradient) {
    Map<String, NDArray> outputs = run(input, withGradient);
    NDArray[] taps = new NDArray[deepest + 1];
    for (int i = 0; i <= deepest; i++) {
      LayerInfo layer = layers.get(i);
      NDArray out = outputs.get(layer.name());
      // [B, T, D] sequences become unit-major [B, D, T], like [B, C, H, W] and [B, C, L].
      taps[i] = "sequence".equals(layer.kind()) ? out.transpose(0, 2, 1) : out;
    }
    return taps;
  }

  @Override
  public int layersComputed(int deepest) {
    return layers.size();
  }

  @Override
  public ModelDescriptor descriptor() {
    return descriptor;
  }

  @Override
  public Checkpoint checkpoint() {
    return checkpoint;
  }

  @Override
  public void close() {
    model.close();
  }

  private Map<String, NDArray> run(NDArray input, boolean withGradient) {
    NDArray x = Preprocessing.apply(descriptor, input);
    if ("int64".equals(descriptor.inputDtype())) {
      x = x.toType(DataType.INT64, false);
    } else if (!"float32".equals(descriptor.inputDtype())) {
      throw new DeepBaseException(
          ErrorCode.BAD_WORKSPACE,
          "model '"
              + descriptor.name()
              + "' has input_dtype '"
              + descriptor.inputDtype()
              + "'; known: float32, int64");
    }
    NDList call = new NDList(x);
    if (!"forward".equals(method)) {
      NDArray marker = input.getManager().create(0f);
      marker.setName("module_method:" + method);
      call.add(marker);
    }
    NDList result;
    try {
      // isTrain = true records the autograd graph; the module itself stays in eval mode, so
      // dropout and batch norm behave as at inference.
      result = ai.djl.pytorch.jni.IValueUtils.forward(block, call, withGradient);
    } catch (RuntimeException e) {
      throw new DeepBaseException(
          ErrorCode.MODEL_FAILED,
          "TorchScript model '"
              + descriptor.name()
              + "' failed on a batch of shape "
              + input.getShape()
              + ": "
              + torchMessage(e),
          e);
    }
    Map<String, NDArray> byName = new TreeMap<>();
    for (NDArray array : result) {
      if (array.getName() == null || array.getName().isEmpty()) {
        throw new DeepBaseException(
            ErrorCode.BAD_WORKSPACE,
            "TorchScript model '"
                + descriptor.name()
                + "' ("
                + checkpoint.path().getFileName()
                + ") returns a tensor, not a Dict[str, Tensor] of"
                + " layer outputs: export it with "
                + HELPER
                + " (wraps any nn.Module), or add"
                + " '@torch.jit.export def "
                + METHOD
                + "(self, x) -> Dict[str, Tensor]'");
      }
      byName.put(array.getName(), array);
    }
    return byName;
  }

  private List<LayerInfo> probe() {
    JniUtils.setGradMode(false);
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      Map<String, NDArray> outputs;
      try {
        outputs = run(manager.zeros(Architecture.inputShape(descriptor, 1)), false);
      } catch (DeepBaseException e) {
        if (e.code() != ErrorCode.MODEL_FAILED) {
          throw e;
        }
        throw new DeepBaseException(
            ErrorCode.SHAPE_MISMATCH,
            "model '"
                + descriptor.name()
                + "': model.json says"
                + " input_shape "
                + descriptor.inputShape()
                + " (dtype "
                + descriptor.inputDtype()
                + "), but "
                + checkpoint.path().getFileName()
                + " fails on such an input: "
                + torchMessage(e.getCause()),
            e);
      }
      List<LayerSpec> specs = descriptor.layers();
      if (specs.isEmpty()) {
        specs =
            outputs.keySet().stream()
                .map(n -> new LayerSpec(n, null, null, null, null, null))
                .toList();
      }
      List<LayerInfo> infos = new ArrayList<>();
      for (LayerSpec spec : specs) {
        NDArray out = outputs.get(spec.name());
        if (out == null) {
          throw new DeepBaseException(
              ErrorCode.UNKNOWN_LAYER,
              "TorchScript model '"
                  + descriptor.name()
                  + "' has no output named '"
                  + spec.name()
                  + "' (model.json lists it); its outputs: "
                  + outputs.keySet());
        }
        infos.add(layerInfo(spec, infos.size(), out.getShape().getShape()));
      }
      return List.copyOf(infos);
    }
  }

  private LayerInfo layerInfo(LayerSpec spec, int index, long[] batchShape) {
    List<Integer> shape = new ArrayList<>();
    for (int d = 1; d < batchShape.length; d++) {
      shape.add((int) batchShape[d]);
    }
    String kind =
        switch (shape.size()) {
          case 1 -> "dense";
          case 2 -> "conv1d".equals(spec.kind()) ? "conv1d" : "sequence";
          case 3 -> "conv2d";
          default ->
              throw new DeepBaseException(
                  ErrorCode.SHAPE_MISMATCH,
                  "TorchScript model '"
                      + descriptor.name()
                      + "' layer '"
                      + spec.name()
                      + "' has per-record shape "
                      + shape
                      + "; DeepBase reads [C, H, W] (conv), [T, D] (sequence), [C, L] (conv1d) or [D] (dense)");
        };
    if ("sequence".equals(kind)) {
      shape = List.of(shape.get(1), shape.get(0));
    }
    return new LayerInfo(descriptor.name(), spec.name(), index, kind, shape);
  }

  /** Returns the line of a TorchScript error that says what went wrong (not the stack). */
  private static String torchMessage(Throwable e) {
    String message = String.valueOf(e.getMessage());
    for (String line : message.split("\n")) {
      if (line.matches("^\\w*(Error|Exception): .*")) {
        return line.trim();
      }
    }
    return firstLine(e);
  }

  private static String firstLine(Throwable e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
