package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lora4j.tensor.NativeLibrary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Base of the CLI reliability tests: every test leaves as many live native tensors as it found. */
abstract class LiveTensorCheck {
    private long liveBefore;

    @BeforeEach
    void countLiveTensors() throws Exception {
        CliFixtures.adapter(); // built once, before counting: it is shared by the classes, not a leak
        liveBefore = NativeLibrary.liveTensors();
    }

    @AfterEach
    void noTensorOutlivesTheTest() {
        assertEquals(liveBefore, NativeLibrary.liveTensors(), "live native tensors after the test");
    }
}
