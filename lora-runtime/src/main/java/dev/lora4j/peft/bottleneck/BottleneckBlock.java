package dev.lora4j.peft.bottleneck;

import dev.lora4j.Lora4jException;
import dev.lora4j.nn.Dropout;
import dev.lora4j.peft.bottleneck.BottleneckConfig.InitWeights;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One bottleneck adapter at one location, as AdapterHub's {@code Adapter} module: down projection (r, d)
 * with bias, activation, up projection (d, r) with bias, times scaling, dropout, plus the adapter's own
 * residual. Its four float32 tensors are trainable leaves under AdapterHub's names.
 */
final class BottleneckBlock implements AutoCloseable {
    private final Tensor downWeight; // (r, d)
    private final Tensor downBias; // (r)
    private final Tensor upWeight; // (d, r)
    private final Tensor upBias; // (d)
    private final String activation;
    private final double scaling;

    private BottleneckBlock(Tensor downWeight, Tensor downBias, Tensor upWeight, Tensor upBias, String activation,
                            double scaling) {
        this.downWeight = downWeight;
        this.downBias = downBias;
        this.upWeight = upWeight;
        this.upBias = upBias;
        this.activation = activation;
        this.scaling = scaling;
    }

    /** A block of width d → r → d initialised by config's init_weights, drawing from random and gen. */
    static BottleneckBlock create(BottleneckConfig config, long d, long r, Device device, SplittableRandom random,
                                  Generator gen) {
        return Scope.detached(() -> {
            try (var noGrad = Autograd.noGrad(); Scope scope = Scope.open()) {
                Tensor downW;
                Tensor upW;
                switch (config.initWeights()) {
                    case BERT -> {
                        downW = Tensor.zeros(DType.FLOAT32, device, r, d).normalInPlace(0, 0.02, gen);
                        upW = Tensor.zeros(DType.FLOAT32, device, d, r).normalInPlace(0, 0.02, gen);
                    }
                    case HOULSBY -> {
                        downW = truncatedNormal(random, r, d).to(device);
                        upW = truncatedNormal(random, d, r).to(device);
                    }
                    case MAM_ADAPTER -> {
                        // kaiming_uniform_(a=√5): bound = sqrt(6 / ((1 + a²) · fan_in)) = 1 / sqrt(fan_in).
                        double bound = 1 / Math.sqrt(d);
                        downW = Tensor.zeros(DType.FLOAT32, device, r, d).uniformInPlace(-bound, bound, gen);
                        upW = Tensor.zeros(DType.FLOAT32, device, d, r);
                    }
                    default -> throw new IllegalStateException(config.initWeights().toString());
                }
                Tensor[] block = {downW, Tensor.zeros(DType.FLOAT32, device, r), upW, Tensor.zeros(DType.FLOAT32, device, d)};
                for (Tensor t : block) {
                    scope.keep(t).requiresGrad(true);
                }
                return new BottleneckBlock(block[0], block[1], block[2], block[3], config.nonLinearity(), config.scaling());
            }
        });
    }

    /**
     * A view of four tensors owned elsewhere as one block (AdaMix's chosen or averaged expert): never
     * close it.
     */
    static BottleneckBlock view(Tensor downWeight, Tensor downBias, Tensor upWeight, Tensor upBias, BottleneckConfig config) {
        return new BottleneckBlock(downWeight, downBias, upWeight, upBias, config.nonLinearity(), config.scaling());
    }

    /** N(0, 0.01²) truncated to ±0.02 by redrawing, as torch's trunc_normal_ distributes (not its draws). */
    private static Tensor truncatedNormal(SplittableRandom random, long rows, long cols) {
        float[] values = new float[Math.toIntExact(rows * cols)];
        for (int i = 0; i < values.length; i++) {
            double v;
            do {
                v = gaussian(random) * 0.01;
            } while (Math.abs(v) > 0.02);
            values[i] = (float) v;
        }
        return Tensor.of(values, rows, cols);
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller on two uniforms in (0, 1].
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /**
     * The adapter's output for input z and its own residual: up(act(down(z))) · scaling, dropped out,
     * plus residual. Computed in float32; the result has residual's dtype.
     */
    Tensor forward(Tensor z, Tensor residual, Dropout dropout) {
        DType dtype = residual.dtype();
        Tensor x = dtype == DType.FLOAT32 ? z : z.to(DType.FLOAT32);
        Tensor up = activate(x.linear(downWeight, downBias)).linear(upWeight, upBias);
        if (scaling != 1.0) {
            up = up.mul(scaling);
        }
        up = dropout.apply(up);
        return dtype == DType.FLOAT32 ? up.add(residual) : up.to(dtype).add(residual);
    }

    private Tensor activate(Tensor x) {
        return switch (activation) {
            case "relu" -> x.relu();
            case "swish", "silu" -> x.mul(x.sigmoid());
            case "gelu" -> x.gelu();
            case "gelu_new" -> x.geluTanh();
            case "tanh" -> x.tanh();
            default -> throw new Lora4jException("bottleneck", "unsupported non_linearity \"" + activation + "\"");
        };
    }

    /** The four tensors under AdapterHub's names, each prefixed with prefix (ends with a dot). */
    Map<String, Tensor> tensors(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(prefix + "adapter_down.0.weight", downWeight);
        out.put(prefix + "adapter_down.0.bias", downBias);
        out.put(prefix + "adapter_up.weight", upWeight);
        out.put(prefix + "adapter_up.bias", upBias);
        return out;
    }

    /** Down and up weights and biases (for AdaMix's averaging and tests). */
    Tensor[] parts() {
        return new Tensor[] {downWeight, downBias, upWeight, upBias};
    }

    @Override
    public void close() {
        downWeight.close();
        downBias.close();
        upWeight.close();
        upBias.close();
    }
}
