package org.deepbase.engine.nn;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * libtorch's NNPACK convolutions, turned off where NNPACK cannot start. libtorch 2.7.1 tries NNPACK
 * for the small one-record convolutions that oneDNN leaves (a PacMan agent's moves, a picture's
 * forward pass). On a CPU that its bundled cpuinfo does not know (an AMD EPYC Zen 5 here) NNPACK
 * fails to initialise, and libtorch logs "Could not initialize NNPACK! Reason: Unsupported
 * hardware." on every such call: 196,607 lines in one run of the demo. Turning it off there changes
 * no result, since it never ran, and leaves one line.
 *
 * <p>DJL has no switch for it, so this calls libtorch's own (the C++ symbols of its 2.7 ABI)
 * through JNA. Where a symbol is missing (another libtorch) nothing is changed: the messages are
 * noise, not a fault.
 */
public final class Nnpack {
  private static final String AVAILABLE = "_ZN2at6native17_nnpack_availableEv";
  private static final String CONTEXT = "_ZN2at13globalContextEv";
  private static final String ENABLED = "_ZNK2at7Context17userEnabledNNPACKEv";
  private static final String SET_ENABLED = "_ZN2at7Context20setUserEnabledNNPACKEb";

  /** What libtorch says of NNPACK: whether it can start here, and whether it may be used. */
  public record State(boolean available, boolean enabled) {}

  private Nnpack() {}

  /**
   * Turns NNPACK off if it is still on and cannot start on this CPU. Once it is off, later calls
   * ask nothing more (asking whether NNPACK can start logs the message again).
   */
  public static void turnOffWhereUnavailable() {
    torch()
        .ifPresent(
            torch -> {
              Pointer context = torch.getFunction(CONTEXT).invokePointer(new Object[0]);
              if (bool(torch.getFunction(ENABLED), context)
                  && !bool(torch.getFunction(AVAILABLE))) {
                torch.getFunction(SET_ENABLED).invokeVoid(new Object[] {context, Boolean.FALSE});
              }
            });
  }

  /**
   * Returns what libtorch says now, or empty where its symbols are not found (asking whether NNPACK
   * can start logs the message where it cannot).
   */
  public static Optional<State> state() {
    return torch()
        .map(
            torch -> {
              Pointer context = torch.getFunction(CONTEXT).invokePointer(new Object[0]);
              return new State(
                  bool(torch.getFunction(AVAILABLE)), bool(torch.getFunction(ENABLED), context));
            });
  }

  private static Optional<NativeLibrary> torch() {
    try {
      Engine.getEngine("PyTorch"); // loads libtorch if no one has yet
      NativeLibrary torch =
          NativeLibrary.getInstance(
              Path.of(LibUtils.getLibtorchPath()).resolve("libtorch_cpu.so").toString());
      for (String symbol : new String[] {AVAILABLE, CONTEXT, ENABLED, SET_ENABLED}) {
        torch.getFunction(symbol);
      }
      return Optional.of(torch);
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** A C++ bool result: only the low byte of the register is defined. */
  private static boolean bool(Function function, Object... arguments) {
    return (function.invokeInt(arguments) & 0xff) != 0;
  }
}
