package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.bindings.lora4j_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Bad input gives a Lora4jException carrying the op and libtorch's message; the JVM carries on. */
class ErrorPathTest {

    @Test
    void shapeMismatchCarriesLibtorchsMessage() {
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.zeros(2, 3);
            Tensor b = Tensor.zeros(4, 5);
            Lora4jException e = assertThrows(Lora4jException.class, () -> a.matmul(b));
            assertEquals("matmul", e.op());
            assertTrue(e.getMessage().contains("cannot be multiplied") && e.getMessage().contains("2x3"), e.getMessage());
            Lora4jException add = assertThrows(Lora4jException.class, () -> a.add(b));
            assertTrue(add.getMessage().contains("must match the size"), add.getMessage());
            Lora4jException view = assertThrows(Lora4jException.class, () -> a.view(7));
            assertEquals("view", view.op());
            // The tensors are still usable after the failures.
            assertEquals(6, a.add(a).numel());
        }
    }

    @Test
    void wrongDtypeIsReported() {
        try (Scope scope = Scope.open()) {
            Tensor weight = Tensor.zeros(10, 4);
            Tensor floatIds = Tensor.zeros(3);
            Lora4jException e = assertThrows(Lora4jException.class, () -> Functional.embedding(weight, floatIds));
            assertEquals("embedding", e.op());
            assertTrue(e.getMessage().toLowerCase().contains("long") || e.getMessage().contains("Int"), e.getMessage());
            Tensor logits = Tensor.zeros(3, 5);
            Tensor floatTargets = Tensor.zeros(3);
            assertThrows(Lora4jException.class, () -> Functional.crossEntropy(logits, floatTargets.to(DType.BOOL)));
            Tensor f64 = Tensor.zeros(DType.FLOAT64, Device.CPU, 2, 2);
            Lora4jException mm = assertThrows(Lora4jException.class, () -> Tensor.zeros(2, 2).matmul(f64));
            assertTrue(mm.getMessage().contains("dtype"), mm.getMessage());
        }
    }

    @Test
    void useAfterCloseThrowsBeforeReachingNativeCode() {
        Tensor t = Tensor.zeros(2);
        t.close();
        t.close(); // idempotent
        assertTrue(t.isClosed());
        Lora4jException e = assertThrows(Lora4jException.class, t::numel);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        try (Scope scope = Scope.open()) {
            Tensor other = Tensor.zeros(2);
            assertThrows(Lora4jException.class, () -> other.add(t));
        }
        assertEquals("Tensor(closed)", t.toString());
    }

    @Test
    void nullHandlesAreRejectedByTheShim() {
        NativeLibrary.ensureLoaded();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(8);
            assertNotEquals(0, lora4j_h.l4j_tensor_add(MemorySegment.NULL, MemorySegment.NULL, 1.0, out));
            assertTrue(lora4j_h.l4j_last_error().getString(0).contains("null tensor handle"));
            assertNotEquals(0, lora4j_h.l4j_tensor_free(MemorySegment.NULL));
            assertNotEquals(0, lora4j_h.l4j_optimizer_step(MemorySegment.NULL));
            assertNotEquals(0, lora4j_h.l4j_tensor_zeros(MemorySegment.NULL, 2, 0, 0, -1, out));
            assertTrue(lora4j_h.l4j_last_error().getString(0).contains("null shape pointer"));
            assertNotEquals(0, lora4j_h.l4j_tensor_zeros(MemorySegment.NULL, 0, 99, 0, -1, out));
            assertTrue(lora4j_h.l4j_last_error().getString(0).contains("unknown dtype"));
        }
    }

    @Test
    void invalidArgumentsFromJava() {
        assertThrows(Lora4jException.class, () -> Tensor.zeros(-1, 2));
        assertThrows(Lora4jException.class, () -> Tensor.of(new float[5], 2, 3));
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.ones(4);
            Lora4jException p = assertThrows(Lora4jException.class, () -> Functional.dropout(x, 1.5, true, null));
            assertTrue(p.getMessage().contains("[0, 1]"), p.getMessage());
            assertThrows(Lora4jException.class, () -> x.size(3));
            assertThrows(Lora4jException.class, () -> x.sum(false));
            Lora4jException item = assertThrows(Lora4jException.class, x::item);
            assertTrue(item.getMessage().contains("4 elements"), item.getMessage());
        }
    }

    @Test
    void eachThreadReadsItsOwnError() throws Exception {
        CyclicBarrier bothFailed = new CyclicBarrier(2);
        AtomicReference<String> first = new AtomicReference<>();
        AtomicReference<String> second = new AtomicReference<>();
        AtomicReference<Throwable> problem = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(2);
        Runnable matmulFailure = () -> run(() -> {
            try (Scope s = Scope.open()) {
                Tensor a = Tensor.zeros(2, 3);
                int status = lora4j_h.l4j_tensor_matmul(a.handle(), a.handle(), Arena.ofAuto().allocate(8));
                assertNotEquals(0, status);
                bothFailed.await();
                first.set(lora4j_h.l4j_last_error().getString(0));
            }
        }, problem, done);
        Runnable dtypeFailure = () -> run(() -> {
            NativeLibrary.ensureLoaded();
            int status = lora4j_h.l4j_tensor_zeros(MemorySegment.NULL, 0, 42, 0, -1, Arena.ofAuto().allocate(8));
            assertNotEquals(0, status);
            bothFailed.await();
            second.set(lora4j_h.l4j_last_error().getString(0));
        }, problem, done);
        new Thread(matmulFailure).start();
        new Thread(dtypeFailure).start();
        done.await();
        if (problem.get() != null) {
            throw new AssertionError(problem.get());
        }
        assertTrue(first.get().startsWith("matmul:"), first.get());
        assertTrue(second.get().contains("unknown dtype code 42"), second.get());
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static void run(ThrowingRunnable body, AtomicReference<Throwable> problem, CountDownLatch done) {
        try {
            body.run();
        } catch (Throwable t) {
            problem.compareAndSet(null, t);
        } finally {
            done.countDown();
        }
    }

    @Test
    void outOfMemoryIsAnExceptionNotACrash() {
        // 2^40 float32 elements (4 TiB) cannot be allocated on this machine or any GPU host.
        Lora4jException e = assertThrows(Lora4jException.class, () -> Tensor.empty(DType.FLOAT32, Device.CPU, 1L << 40));
        assertTrue(e.getMessage().toLowerCase().contains("alloc") || e.getMessage().toLowerCase().contains("memory"), e.getMessage());
    }
}
