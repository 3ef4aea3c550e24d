package org.deepbase.engine.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** libtorch's NNPACK switch, called through its own symbols on the pinned libtorch. */
class NnpackTest {
  @Test
  void theSymbolsAreThereOnThePinnedLibtorch() {
    assertTrue(Nnpack.state().isPresent(), "libtorch's NNPACK symbols were not found");
  }

  @Test
  void nnpackStaysOnWhereItCanStartAndIsTurnedOffWhereItCannot() {
    Nnpack.turnOffWhereUnavailable();
    Nnpack.State after = Nnpack.state().orElseThrow();
    // A machine whose CPU NNPACK knows keeps it (its results unchanged); one it does not know
    // (an AMD Zen 5 here) has it off, so libtorch stops trying it on every small convolution.
    assertEquals(after.available(), after.enabled(), after.toString());
    Nnpack.turnOffWhereUnavailable(); // a second call changes nothing
    assertEquals(after, Nnpack.state().orElseThrow());
  }
}
