package dev.lora4j.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Native.Frame is a stack: a closed frame's memory goes to the next frame opened, so frames must close
 * innermost first, on their own thread, and never be used after close. Each misuse throws instead of
 * letting two frames share memory.
 */
class NativeFrameTest {
    @Test
    void nestedFramesCloseInnermostFirstAndReuseTheirMemory() {
        long outerAddress;
        long innerAddress;
        try (Native.Frame outer = Native.frame()) {
            MemorySegment a = outer.longs(1, 2, 3);
            outerAddress = a.address();
            try (Native.Frame inner = Native.frame()) {
                MemorySegment b = inner.longs(4);
                innerAddress = b.address();
                assertTrue(innerAddress >= outerAddress + 3 * Long.BYTES, "the inner frame allocates above the outer one");
            }
            // The inner frame's memory is free again; the outer one's is untouched and still usable.
            assertEquals(innerAddress, outer.intOut().address(), "the outer frame continues where the inner one began");
            assertEquals(3L, a.getAtIndex(ValueLayout.JAVA_LONG, 2));
        }
        try (Native.Frame next = Native.frame()) {
            assertEquals(outerAddress, next.intOut().address(), "a new frame starts where the closed ones began");
        }
    }

    @Test
    void closingAnOuterFrameWhileAnInnerOneIsOpenThrowsAndReleasesNothing() {
        Native.Frame outer = Native.frame();
        Native.Frame inner = Native.frame();
        MemorySegment held = inner.longs(42);
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("still open"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> outer.allocate(8), "an outer frame cannot allocate under an open inner one");
        try (Native.Frame third = Native.frame()) {
            assertTrue(third.intOut().address() >= held.address() + Long.BYTES, "nothing was released by the refused close");
        }
        assertEquals(42L, held.get(ValueLayout.JAVA_LONG, 0));
        inner.close();
        outer.close();
    }

    @Test
    void aClosedFrameRefusesUseAndClosesAgainQuietly() {
        Native.Frame frame = Native.frame();
        frame.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, frame::intOut);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertDoesNotThrow(frame::close);
        try (Native.Frame next = Native.frame()) {
            // A second close of the old frame must not reset the stack under the open one.
            MemorySegment a = next.longs(7);
            frame.close();
            try (Native.Frame inner = Native.frame()) {
                assertTrue(inner.intOut().address() >= a.address() + Long.BYTES);
            }
        }
    }

    @Test
    void aFrameIsUsedOnlyOnTheThreadThatOpenedIt() throws Exception {
        try (Native.Frame frame = Native.frame()) {
            ExecutionException allocate = assertThrows(ExecutionException.class,
                    () -> CompletableFuture.runAsync(() -> frame.allocate(8)).get());
            assertTrue(allocate.getCause() instanceof WrongThreadException, String.valueOf(allocate.getCause()));
            ExecutionException close = assertThrows(ExecutionException.class,
                    () -> CompletableFuture.runAsync(frame::close).get());
            assertTrue(close.getCause() instanceof WrongThreadException, String.valueOf(close.getCause()));
            frame.intOut(); // still open and usable here
        }
    }

    @Test
    void anOverflowingRequestComesFromItsOwnArenaAndIsReleasedOnClose() {
        try (Native.Frame frame = Native.frame()) {
            MemorySegment big = frame.allocate(64L << 20); // above the thread's scratch block
            big.set(ValueLayout.JAVA_BYTE, big.byteSize() - 1, (byte) 5);
            assertEquals(5, big.get(ValueLayout.JAVA_BYTE, big.byteSize() - 1));
        }
    }
}
