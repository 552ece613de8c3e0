package dev.lora4j.distributed;

import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * A worker process of {@link ProcessGroupTest}: joins the group torchrun's variables describe and runs
 * one scenario, printing what it sees. An exception prints "error: message" and exits with status 1.
 */
public final class GroupWorker {
    private GroupWorker() {}

    public static void main(String[] args) {
        try {
            run(args[0]);
        } catch (RuntimeException e) {
            System.out.println("error: " + e.getMessage());
            System.out.flush();
            System.exit(1);
        }
        System.out.flush();
        System.exit(0);
    }

    private static void run(String scenario) {
        DistributedConfig config = DistributedConfig.fromEnvironment();
        long tensorsBefore = NativeLibrary.liveTensors();
        try (ProcessGroup group = ProcessGroup.join(config)) {
            int r = group.rank();
            System.out.println("joined");
            System.out.flush();
            switch (scenario) {
                case "collectives" -> collectives(group, r);
                case "interop" -> interop(group, r);
                case "wait" -> {
                    // Rank 1 stays alive but never calls the collective (the test times rank 0's error, or
                    // kills rank 1 while rank 0 is inside its all-reduce).
                    if (r == 1) {
                        sleep(600_000);
                    }
                    allReduceOnes(group);
                }
                default -> throw new IllegalArgumentException(scenario);
            }
        }
        System.out.println("live tensors " + (NativeLibrary.liveTensors() - tensorsBefore) + " live groups " + ProcessGroup.live());
    }

    private static void collectives(ProcessGroup group, int r) {
        // Known values: rank r holds r+1 (float32), 10(r+1) + index (float64), and bfloat16 (r+1)/4.
        try (Tensor a = Tensor.of(new float[] {r + 1, 2 * (r + 1), 3 * (r + 1)}, 3);
             Tensor b = Tensor.of(new double[] {10 * (r + 1), 10 * (r + 1) + 1, 10 * (r + 1) + 2, 10 * (r + 1) + 3}, 2, 2);
             Tensor c0 = Tensor.full((r + 1) / 4.0, DType.FLOAT32, Device.CPU, 2);
             Tensor c = c0.to(DType.BFLOAT16)) {
            group.allReduce(List.of(a, b, c), ProcessGroup.ReduceOp.SUM);
            System.out.println("sum a " + Arrays.toString(a.toFloatArray()));
            System.out.println("sum b " + Arrays.toString(b.toDoubleArray()));
            System.out.println("sum c " + Arrays.toString(c.toFloatArray()));
            group.allReduce(List.of(a), ProcessGroup.ReduceOp.AVG);
            System.out.println("avg a " + Arrays.toString(a.toFloatArray()));
        }
        try (Tensor x = Tensor.full(r + 5, DType.FLOAT32, Device.CPU, 3)) {
            group.broadcast(List.of(x), 1);
            System.out.println("broadcast " + Arrays.toString(x.toFloatArray()));
        }
        // Gradients: rank r's loss is (r+1)·sum(w) so its gradient is r+1 everywhere; the average is 1.5.
        // `partial` has a gradient (2) on rank 0 only: the average with rank 1's zeros is 1. `unused` has
        // none on any rank and keeps none.
        try (Tensor w = Tensor.zeros(2).requiresGrad(true); Tensor partial = Tensor.zeros(2).requiresGrad(true);
             Tensor unused = Tensor.zeros(2).requiresGrad(true)) {
            try (Scope scope = Scope.open()) {
                w.sum().mul(r + 1).backward();
                if (r == 0) {
                    partial.sum().mul(2).backward();
                }
            }
            group.allReduceGradients(List.of(w, partial, unused), ProcessGroup.ReduceOp.AVG);
            try (Tensor gw = w.grad(); Tensor gp = partial.grad()) {
                System.out.println("grad " + Arrays.toString(gw.toFloatArray()) + " " + Arrays.toString(gp.toFloatArray())
                        + " " + (unused.grad() == null ? "none" : "some"));
            }
        }
        group.barrier();
        System.out.println("barrier");
    }

    /** The values gloo_peer.py holds on its rank; one float32 bucket of 7, as the Python side builds it. */
    private static void interop(ProcessGroup group, int r) {
        try (Tensor a = Tensor.of(new float[] {(r + 1) / 8f, 2 * (r + 1) / 8f, 3 * (r + 1) / 8f}, 3);
             Tensor b = Tensor.of(new float[] {0.5f + r, 1.5f + r, 2.5f + r, 3.5f + r}, 2, 2);
             Tensor x = Tensor.full(r + 5, DType.FLOAT32, Device.CPU, 3)) {
            group.allReduce(List.of(a, b), ProcessGroup.ReduceOp.SUM);
            System.out.println("sum a " + Arrays.toString(a.toFloatArray()));
            System.out.println("sum b " + Arrays.toString(b.toFloatArray()));
            group.broadcast(List.of(x), 1);
            System.out.println("broadcast " + Arrays.toString(x.toFloatArray()));
        }
    }

    private static void allReduceOnes(ProcessGroup group) {
        try (Tensor t = Tensor.ones(4)) {
            group.allReduce(List.of(t), ProcessGroup.ReduceOp.SUM);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
