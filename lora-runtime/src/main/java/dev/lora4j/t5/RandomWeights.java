package dev.lora4j.t5;

import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Generator;
import dev.lora4j.tensor.Tensor;

/**
 * Fresh parameters with transformers' T5 initialisation scheme (normal with the std each module asks
 * for, layer norms at the initializer factor). Values are drawn in float32 on the CPU from one seeded
 * generator in the model's parameter order, then moved to the device and dtype, so a seed gives the
 * same model on every device. They are not the numbers torch.manual_seed would give transformers:
 * PyTorch draws in a different order (and first runs nn.Linear's own default init).
 */
final class RandomWeights extends T5Weights {
    private final Generator generator;
    private final boolean separateLmHead;

    RandomWeights(Generator generator, boolean separateLmHead, Device device, DType dtype) {
        super(device, dtype);
        this.generator = generator;
        this.separateLmHead = separateLmHead;
    }

    @Override
    protected Tensor produce(String name, long[] shape, DType type, Init init) {
        return switch (init) {
            case Init.Constant c -> Tensor.full(c.value(), type, device, shape);
            case Init.Normal n -> {
                try (Tensor drawn = Tensor.empty(DType.FLOAT32, Device.CPU, shape).normalInPlace(0.0, n.std(), generator)) {
                    yield drawn.to(type, device);
                }
            }
        };
    }

    @Override
    boolean hasSeparateLmHead() {
        return separateLmHead;
    }
}
