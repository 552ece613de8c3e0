package dev.lora4j.internal;

import dev.lora4j.bindings.lora4j_h;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Internal to lora4j (public only so its other packages can make downcalls): glue shared by every downcall: turning a non-zero status into a {@link Lora4jException} with the
 * native message, and a per-thread stack of scratch memory for out-pointers, shapes and handle lists,
 * so an op call allocates no arena of its own.
 */
public final class Native {
    private static final long SCRATCH_BYTES = 64 * 1024;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Native() {}

    /**
     * Throws the calling thread's last native error if status is non-zero. While the JVM shuts down, holds
     * the calling thread here, outside libtorch (see {@link NativeShutdown}).
     *
     * @param status the status a {@code l4j_*} call returned: 0 for success
     * @throws Lora4jException carrying the native message if {@code status} is non-zero
     */
    public static void check(int status) {
        NativeShutdown.passGate();
        if (status != 0) {
            throw lastError();
        }
    }

    /**
     * The calling thread's last native error, split into the op name and libtorch's message.
     *
     * @return a new exception (not thrown) naming the op, or "native" when the message names none
     */
    public static Lora4jException lastError() {
        String message = lora4j_h.l4j_last_error().getString(0);
        int colon = message.indexOf(": ");
        if (colon > 0 && message.substring(0, colon).matches("[A-Za-z_0-9]+")) {
            return new Lora4jException(message.substring(0, colon), message.substring(colon + 2));
        }
        return new Lora4jException("native", message.isEmpty() ? "unknown native error" : message);
    }

    /**
     * Opens a scratch frame on this thread; everything allocated from it is released on close. Loads the
     * native library first if needed.
     *
     * @return the frame, to close (try-with-resources) on this thread before any frame opened earlier
     */
    public static Frame frame() {
        NativeLibrary.ensureLoaded();
        Scratch s = SCRATCH.get();
        Frame frame = new Frame(s, s.top, s.innermost);
        s.innermost = frame;
        return frame;
    }

    private static final class Scratch {
        // Thread-local memory lives as long as the thread does (an automatic arena).
        final MemorySegment block = Arena.ofAuto().allocate(SCRATCH_BYTES, 16);
        final Thread owner = Thread.currentThread();
        long top;
        Frame innermost; // the open frame that allocates at top, or null
    }

    /**
     * A stack frame of scratch memory, used and closed on the thread that opened it, innermost first.
     * Closing a frame hands its memory to the next frame opened, so the order is checked rather than
     * trusted: a frame closed while one opened after it is still open, or used from another thread or
     * after its close, throws instead of letting two frames share memory.
     */
    public static final class Frame implements AutoCloseable {
        private final Scratch scratch;
        private final long base;
        private final Frame enclosing;
        private Arena overflow;
        private boolean closed;

        private Frame(Scratch scratch, long base, Frame enclosing) {
            this.scratch = scratch;
            this.base = base;
            this.enclosing = enclosing;
        }

        private void checkUsable() {
            if (Thread.currentThread() != scratch.owner) {
                throw new WrongThreadException("a scratch frame is used only on the thread that opened it");
            }
            if (closed) {
                throw new IllegalStateException("the scratch frame is closed");
            }
            if (scratch.innermost != this) {
                throw new IllegalStateException("a scratch frame opened after this one is still open: frames are used and"
                        + " closed innermost first");
            }
        }

        /**
         * Zeroed scratch memory, valid until this frame closes; a large request falls back to a confined
         * arena.
         *
         * @param bytes the size wanted
         * @return a segment of exactly {@code bytes} bytes, 16-byte aligned
         */
        public MemorySegment allocate(long bytes) {
            checkUsable();
            long aligned = (bytes + 15) & ~15L;
            if (scratch.top + aligned <= SCRATCH_BYTES) {
                MemorySegment seg = scratch.block.asSlice(scratch.top, aligned);
                scratch.top += aligned;
                return seg.fill((byte) 0).asSlice(0, bytes);
            }
            if (overflow == null) {
                overflow = Arena.ofConfined();
            }
            return overflow.allocate(bytes, 16);
        }

        /**
         * Room for one pointer a native call writes, such as a returned handle.
         *
         * @return a zeroed pointer-sized segment
         */
        public MemorySegment pointerOut() {
            return allocate(ValueLayout.ADDRESS.byteSize());
        }

        /**
         * Room for one int a native call writes.
         *
         * @return a zeroed 4-byte segment
         */
        public MemorySegment intOut() {
            return allocate(Integer.BYTES);
        }

        /**
         * Room for one long a native call writes.
         *
         * @return a zeroed 8-byte segment
         */
        public MemorySegment longOut() {
            return allocate(Long.BYTES);
        }

        /**
         * Room for one double a native call writes.
         *
         * @return a zeroed 8-byte segment
         */
        public MemorySegment doubleOut() {
            return allocate(Double.BYTES);
        }

        /**
         * Copies longs (a shape, a list of dimensions) into scratch memory for a native call.
         *
         * @param values the values to copy
         * @return a segment holding them as consecutive int64s
         */
        public MemorySegment longs(long... values) {
            MemorySegment seg = allocate((long) values.length * Long.BYTES);
            MemorySegment.copy(values, 0, seg, ValueLayout.JAVA_LONG, 0, values.length);
            return seg;
        }

        /**
         * An array of the tensors' native handles for a native call.
         *
         * @param tensors open tensors, in the order the call expects
         * @return a segment holding one pointer per tensor
         * @throws Lora4jException if a tensor is closed
         */
        public MemorySegment handles(Tensor... tensors) {
            MemorySegment seg = allocate((long) tensors.length * ValueLayout.ADDRESS.byteSize());
            for (int i = 0; i < tensors.length; i++) {
                seg.setAtIndex(ValueLayout.ADDRESS, i, TensorHandles.of(tensors[i]));
            }
            return seg;
        }

        /**
         * Releases everything allocated from this frame: resets the thread's scratch stack to where this
         * frame began and closes any overflow arena. Closing a closed frame does nothing.
         *
         * @throws IllegalStateException if a frame opened after this one is still open (nothing is released)
         * @throws WrongThreadException if called on another thread than the one that opened the frame
         */
        @Override
        public void close() {
            if (closed && Thread.currentThread() == scratch.owner) {
                return;
            }
            checkUsable();
            closed = true;
            scratch.top = base;
            scratch.innermost = enclosing;
            if (overflow != null) {
                overflow.close();
            }
        }
    }

    /**
     * Reads the int a native call wrote.
     *
     * @param out a segment from {@link Frame#intOut()}
     * @return the value at its start
     */
    public static int readInt(MemorySegment out) {
        return out.get(ValueLayout.JAVA_INT, 0);
    }

    /**
     * Reads the long a native call wrote.
     *
     * @param out a segment from {@link Frame#longOut()}
     * @return the value at its start
     */
    public static long readLong(MemorySegment out) {
        return out.get(ValueLayout.JAVA_LONG, 0);
    }

    /**
     * Reads the double a native call wrote.
     *
     * @param out a segment from {@link Frame#doubleOut()}
     * @return the value at its start
     */
    public static double readDouble(MemorySegment out) {
        return out.get(ValueLayout.JAVA_DOUBLE, 0);
    }

    /**
     * Reads the pointer a native call wrote.
     *
     * @param out a segment from {@link Frame#pointerOut()}
     * @return the pointer, {@link MemorySegment#NULL} if none was written
     */
    public static MemorySegment readPointer(MemorySegment out) {
        return out.get(ValueLayout.ADDRESS, 0);
    }
}
