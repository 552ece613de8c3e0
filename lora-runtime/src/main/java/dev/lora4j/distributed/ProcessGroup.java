package dev.lora4j.distributed;

import dev.lora4j.Lora4jException;
import dev.lora4j.bindings.lora4j_h;
import dev.lora4j.internal.Native;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;

/**
 * A group of processes that train together, over libtorch's own c10d: rank 0 serves a TCP store for the
 * rendezvous and Gloo carries the collectives. Every collective is called by every rank in the same
 * order, works in place, and is bounded by the configuration's timeout: a peer that exits or stops
 * answering makes the call throw a {@link Lora4jException} naming the rank and the timeout, never hang.
 * After such a failure the group refuses further collectives; close it and exit.
 */
public final class ProcessGroup implements AutoCloseable {
    /** The collective backend. */
    public enum Backend {
        /** Gloo, on CPU tensors (the default; part of libtorch_cpu). */
        GLOO(lora4j_h.L4J_BACKEND_GLOO()),
        /** NCCL, on CUDA tensors: not built into this liblora4j yet (docs/DISTRIBUTED.md). */
        NCCL(lora4j_h.L4J_BACKEND_NCCL());

        private final int code;

        Backend(int code) {
            this.code = code;
        }

        /**
         * {@code gloo} or {@code nccl}, in any case.
         *
         * @param name the backend's name, surrounding blanks ignored
         * @return the backend
         * @throws Lora4jException for any other name
         */
        public static Backend parse(String name) {
            return switch (name.strip().toLowerCase(Locale.ROOT)) {
                case "gloo" -> GLOO;
                case "nccl" -> NCCL;
                default -> throw new Lora4jException("distributed", "unknown backend '" + name + "' (gloo or nccl)");
            };
        }
    }

    /** How an all-reduce combines the ranks' values. */
    public enum ReduceOp {
        /** The sum over the ranks. */
        SUM(lora4j_h.L4J_REDUCE_SUM()),
        /** The sum divided by the world size. */
        AVG(lora4j_h.L4J_REDUCE_AVG());

        private final int code;

        ReduceOp(int code) {
            this.code = code;
        }
    }

    private final DistributedConfig config;
    private MemorySegment handle;

    private ProcessGroup(DistributedConfig config, MemorySegment handle) {
        this.config = config;
        this.handle = handle;
    }

    /**
     * Joins the group: returns once every rank has joined, or throws when that does not happen within
     * the timeout (a port in use on rank 0, an unreachable master, a rank that never starts).
     *
     * @param config this rank's place in the group and the rendezvous address
     * @return the joined group, which the caller closes
     */
    public static ProcessGroup join(DistributedConfig config) {
        try (var f = Native.frame(); Arena arena = Arena.ofConfined()) {
            MemorySegment out = f.pointerOut();
            Native.check(lora4j_h.l4j_process_group_new(config.backend().code, config.rank(), config.worldSize(),
                    arena.allocateFrom(config.masterAddr()), config.masterPort(), config.timeout().toMillis(), out));
            return new ProcessGroup(config, Native.readPointer(out));
        }
    }

    /**
     * This process's rank.
     *
     * @return the rank, in [0, worldSize)
     */
    public int rank() {
        return config.rank();
    }

    /**
     * How many processes the group has.
     *
     * @return the world size, at least 1
     */
    public int worldSize() {
        return config.worldSize();
    }

    /**
     * The configuration the group was joined with.
     *
     * @return the configuration
     */
    public DistributedConfig config() {
        return config;
    }

    /**
     * In place on every rank: the tensors become their sum or average over the ranks (one flat bucket per dtype).
     *
     * @param tensors the tensors to reduce, the same shapes and dtypes on every rank
     * @param op      how to combine them
     */
    public void allReduce(List<Tensor> tensors, ReduceOp op) {
        try (var f = Native.frame()) {
            Native.check(lora4j_h.l4j_all_reduce(handle(), f.handles(tensors.toArray(Tensor[]::new)), tensors.size(), op.code));
        }
    }

    /**
     * In place on every rank: the parameters' gradients become their sum or average over the ranks (one
     * flat bucket). A parameter without a gradient on some ranks takes part with zeros there; one without
     * a gradient on every rank keeps none, so the optimizer skips it as it would in one process.
     *
     * @param params the parameters whose gradients to reduce, in the same order on every rank
     * @param op     how to combine them
     */
    public void allReduceGradients(List<Tensor> params, ReduceOp op) {
        try (var f = Native.frame()) {
            Native.check(lora4j_h.l4j_all_reduce_grads(handle(), f.handles(params.toArray(Tensor[]::new)), params.size(), op.code));
        }
    }

    /**
     * In place: every rank's tensors become the root rank's (same shapes and dtypes on every rank).
     *
     * @param tensors the tensors to overwrite (or, on root, to send)
     * @param root    the rank whose values everyone takes
     */
    public void broadcast(List<Tensor> tensors, int root) {
        try (var f = Native.frame()) {
            Native.check(lora4j_h.l4j_broadcast(handle(), f.handles(tensors.toArray(Tensor[]::new)), tensors.size(), root));
        }
    }

    /** Returns once every rank has reached it. */
    public void barrier() {
        Native.check(lora4j_h.l4j_barrier(handle()));
    }

    private MemorySegment handle() {
        if (handle == null) {
            throw new Lora4jException("distributed", "use of a closed process group");
        }
        return handle;
    }

    /** Leaves the group (no collective: a rank may close after a peer failed). */
    @Override
    public void close() {
        if (handle != null) {
            MemorySegment h = handle;
            handle = null;
            Native.check(lora4j_h.l4j_process_group_free(h));
        }
    }

    /**
     * Process groups currently alive in this process (for leak checks).
     *
     * @return the number of groups joined and not yet closed
     */
    public static long live() {
        NativeLibrary.ensureLoaded();
        return lora4j_h.l4j_live_process_groups();
    }
}
