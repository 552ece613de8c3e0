package dev.lora4j.examples;

import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.NativeLibrary;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.train.AdamW;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Fits y = x·wᵀ + b to noisy synthetic data with autograd and AdamW: the whole native path (tensors,
 * ops, backward, optimizer, scopes) in a few seconds.
 */
@Command(name = "linear-demo", mixinStandardHelpOptions = true,
        description = "Fit a linear model with autograd and AdamW through libtorch (a smoke test of the stack).")
final class LinearDemoCommand implements Callable<Integer> {
    @Option(names = "--features", defaultValue = "8", description = "Input features (default ${DEFAULT-VALUE}).")
    int features;

    @Option(names = "--samples", defaultValue = "1024", description = "Training samples (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--steps", defaultValue = "300", description = "Optimizer steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--lr", defaultValue = "0.05", description = "AdamW learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        System.out.printf("lora4j linear-demo: libtorch %s, %d threads%n", NativeLibrary.torchVersion(), NativeLibrary.numThreads());
        long liveBefore = NativeLibrary.liveTensors();
        try (Scope data = Scope.open(); Generator gen = new Generator(seed)) {
            Tensor trueW = Tensor.randn(gen, DType.FLOAT32, Device.CPU, 1, features);          // (1, F)
            Tensor trueB = Tensor.full(0.5, DType.FLOAT32, Device.CPU, 1);                      // (1)
            Tensor x = Tensor.randn(gen, DType.FLOAT32, Device.CPU, samples, features);        // (N, F)
            Tensor noise = Tensor.randn(gen, DType.FLOAT32, Device.CPU, samples, 1).mul(0.01); // (N, 1)
            Tensor y = x.linear(trueW, trueB).add(noise);                                      // (N, 1)

            Tensor w = Tensor.zeros(1, features).requiresGrad(true);
            Tensor b = Tensor.zeros(1).requiresGrad(true);
            double loss = Double.NaN;
            try (AdamW opt = new AdamW(List.of(w, b), AdamW.Options.defaults().withLr(lr).withWeightDecay(0))) {
                for (int step = 1; step <= steps; step++) {
                    opt.zeroGrad();
                    try (Scope stepScope = Scope.open()) {
                        Tensor mse = x.linear(w, b).sub(y).pow(2).mean();
                        mse.backward();
                        loss = mse.item();
                    }
                    opt.step();
                    if (step == 1 || step % 50 == 0 || step == steps) {
                        System.out.printf("step %4d  mse %.6f%n", step, loss);
                    }
                }
            }
            double weightError;
            try (Scope s = Scope.open()) {
                weightError = w.sub(trueW).abs().max().item();
            }
            System.out.printf("learned b = %.4f (true 0.5000); largest weight error %.4f%n", b.item(), weightError);
            if (!(loss < 1e-3) || !(weightError < 0.05)) {
                System.out.println("FAILED: the model did not converge");
                return 1;
            }
        }
        long leaked = NativeLibrary.liveTensors() - liveBefore;
        System.out.printf("converged; native tensors still alive: %d%n", leaked);
        return leaked == 0 ? 0 : 1;
    }
}
