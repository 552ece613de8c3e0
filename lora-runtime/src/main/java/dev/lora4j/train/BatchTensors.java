package dev.lora4j.train;

import dev.lora4j.data.Batch;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Tensor;

/** A host {@link Batch} as tensors on a device, in the caller's scope: (B, S) ids and mask, (B, T) labels. */
public final class BatchTensors {
    private BatchTensors() {}

    /**
     * (B, S) int64 input ids.
     *
     * @param batch  the padded batch
     * @param device where the tensor goes
     * @return a new tensor on device, in the caller's scope
     */
    public static Tensor inputIds(Batch batch, Device device) {
        return Tensor.of(batch.inputIds(), batch.size(), batch.sourceLength()).to(device);
    }

    /**
     * (B, S) int64, 1 = token, 0 = padding.
     *
     * @param batch  the padded batch
     * @param device where the tensor goes
     * @return a new tensor on device, in the caller's scope
     */
    public static Tensor attentionMask(Batch batch, Device device) {
        return Tensor.of(batch.attentionMask(), batch.size(), batch.sourceLength()).to(device);
    }

    /**
     * (B, T) int64 with -100 at padding.
     *
     * @param batch  the padded batch
     * @param device where the tensor goes
     * @return a new tensor on device, in the caller's scope
     */
    public static Tensor labels(Batch batch, Device device) {
        return Tensor.of(batch.labels(), batch.size(), batch.targetLength()).to(device);
    }
}
