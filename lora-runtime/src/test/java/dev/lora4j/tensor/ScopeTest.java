package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ScopeTest {

    @Test
    void closingAScopeFreesWhatItOwns() {
        long before = NativeLibrary.liveTensors();
        Tensor a;
        try (Scope scope = Scope.open()) {
            a = Tensor.ones(3);
            a.add(a).mul(2);
            assertEquals(3, scope.size());
            assertEquals(before + 3, NativeLibrary.liveTensors());
        }
        assertTrue(a.isClosed());
        assertEquals(before, NativeLibrary.liveTensors());
    }

    @Test
    void keepMovesATensorToTheParentScope() {
        try (Scope outer = Scope.open()) {
            Tensor kept;
            try (Scope inner = Scope.open()) {
                Tensor tmp = Tensor.ones(2);
                kept = inner.keep(tmp.add(1));
                assertEquals(1, inner.size());
            }
            assertFalse(kept.isClosed());
            assertEquals(1, outer.size());
            assertEquals(4.0, kept.sum().item());
        }
    }

    @Test
    void keepFromTheOutermostScopeReleasesToTheCaller() {
        Tensor released;
        try (Scope scope = Scope.open()) {
            released = scope.keep(Tensor.ones(2));
        }
        assertFalse(released.isClosed());
        released.close();
    }

    @Test
    void keepRejectsATensorOfAnotherScope() {
        try (Scope outer = Scope.open()) {
            Tensor t = Tensor.ones(1);
            try (Scope inner = Scope.open()) {
                assertThrows(Lora4jException.class, () -> inner.keep(t));
            }
        }
    }

    @Test
    void closingATensorEarlyRemovesItFromItsScope() {
        try (Scope scope = Scope.open()) {
            Tensor t = Tensor.ones(1);
            t.close();
            assertEquals(0, scope.size());
        }
    }

    @Test
    void closingAnOuterScopeClosesInnerOnesFirst() {
        Scope outer = Scope.open();
        Scope inner = Scope.open();
        Tensor t = Tensor.ones(1);
        assertSame(inner, Scope.current());
        outer.close();
        assertTrue(inner.isClosed());
        assertTrue(t.isClosed());
        assertNull(Scope.current());
        outer.close(); // idempotent
    }

    @Test
    void tensorsOutsideAnyScopeBelongToTheCaller() {
        assertNull(Scope.current());
        long before = NativeLibrary.liveTensors();
        Tensor t = Tensor.ones(1);
        assertEquals(before + 1, NativeLibrary.liveTensors());
        t.close();
        assertEquals(before, NativeLibrary.liveTensors());
    }

    @Test
    void aScopeIsConfinedToItsThread() throws Exception {
        try (Scope scope = Scope.open()) {
            Tensor t = Tensor.ones(1);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread other = new Thread(() -> {
                try {
                    scope.keep(t);
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            other.start();
            other.join();
            assertTrue(thrown.get() instanceof Lora4jException);
            assertTrue(thrown.get().getMessage().contains("confined"), thrown.get().getMessage());
            // A tensor made on another thread belongs to that thread's scope, not this one.
            Thread maker = new Thread(() -> {
                try (Scope own = Scope.open()) {
                    Tensor.ones(1);
                }
            });
            maker.start();
            maker.join();
            assertEquals(1, scope.size());
        }
    }

    @Test
    void theCleanerFreesATensorThatWasNeverClosed() throws Exception {
        long before = NativeLibrary.liveTensors();
        leakOne();
        assertEquals(before + 1, NativeLibrary.liveTensors());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (NativeLibrary.liveTensors() > before && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(before, NativeLibrary.liveTensors(), "the Cleaner's safety net freed the leaked tensor");
    }

    private static void leakOne() {
        Tensor.ones(8); // deliberately not closed and owned by no scope
    }
}
