package dev.lora4j.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One weight in bitsandbytes' 4-bit form: packed codes, per-block scales (float32, or with double
 * quantization 8-bit codes plus float32 nested scales, the dynamic map and a mean offset), the block
 * size, type, original shape and dtype. {@link #tensors(String)} lists them under the keys transformers
 * writes for a {@code Linear4bit} weight, the JSON item included, so a model holding these saves as a
 * checkpoint transformers loads.
 *
 * <p>A state owns its tensors until they are handed to a module ({@link Linear4bit} registers them as
 * its parameters); {@link #close()} frees them.
 */
public final class QuantState implements AutoCloseable {
    /** bitsandbytes' nested block size for double quantization. */
    public static final int NESTED_BLOCKSIZE = 256;

    private final Tensor packed;       // uint8 ((n + 1) / 2, 1)
    private final Tensor absmax;       // float32 (blocks), or uint8 (blocks) when nested
    private final Tensor quantMap;     // float32 (16)
    private final Tensor nestedAbsmax; // float32 (ceil(blocks / 256)) or null
    private final Tensor nestedMap;    // float32 (256) or null
    private final float offset;        // the mean subtracted before nesting; 0 when not nested
    private final int blocksize;
    private final QuantType type;
    private final long[] shape;
    private final DType dtype;
    private final Tensor json;         // uint8 UTF-8 JSON (quant_state.bitsandbytes__<type>)

    private QuantState(Tensor packed, Tensor absmax, Tensor quantMap, Tensor nestedAbsmax, Tensor nestedMap, float offset,
                       int blocksize, QuantType type, long[] shape, DType dtype) {
        this.packed = packed;
        this.absmax = absmax;
        this.quantMap = quantMap;
        this.nestedAbsmax = nestedAbsmax;
        this.nestedMap = nestedMap;
        this.offset = offset;
        this.blocksize = blocksize;
        this.type = type;
        this.shape = shape.clone();
        this.dtype = dtype;
        this.json = Scope.detached(() -> jsonTensor(jsonText()));
    }

    /**
     * Quantizes w (float32, bfloat16 or float16) as bitsandbytes' {@code quantize_4bit(w, blocksize, quant_type,
     * compress_statistics=doubleQuant)}: bit-identical codes and scales. w is not changed or kept.
     *
     * @param w           the weight to quantize, float32, bfloat16 or float16
     * @param type        the 4-bit code, FP4 or NF4
     * @param blocksize   how many consecutive elements share one scale
     * @param doubleQuant whether to quantize the scales again to 8 bits (bitsandbytes' compress_statistics)
     * @return a new state owning its tensors, which belong to no scope; the caller closes it
     */
    public static QuantState quantize(Tensor w, QuantType type, int blocksize, boolean doubleQuant) {
        DType dtype = w.dtype();
        if (dtype != DType.FLOAT32 && dtype != DType.BFLOAT16 && dtype != DType.FLOAT16) {
            throw new Lora4jException("quantize", "4-bit quantization takes float32, bfloat16 or float16, got " + dtype);
        }
        return Scope.detached(() -> {
            QuantOps.Packed p = QuantOps.quantize4bit(w, blocksize, type);
            Tensor quantMap = QuantOps.code4bit(type);
            if (!doubleQuant) {
                return new QuantState(p.codes(), p.absmax(), quantMap, null, null, 0f, blocksize, type, w.shape(), dtype);
            }
            // Double quantization: absmax - mean(absmax) in 8-bit blocks of 256 over the dynamic map.
            try (Tensor mean = p.absmax().mean(); Tensor centered = p.absmax().sub(mean)) {
                Tensor map = QuantOps.dynamicMap();
                QuantOps.Packed nested = QuantOps.quantizeBlockwise8bit(centered, map, NESTED_BLOCKSIZE);
                float offset = (float) mean.item();
                p.absmax().close();
                return new QuantState(p.codes(), nested.codes(), quantMap, nested.absmax(), map, offset, blocksize, type,
                        w.shape(), dtype);
            }
        });
    }

    /**
     * The state of one weight from a transformers 4-bit checkpoint: the tensors under prefix ({@code
     * <module>.weight}) and its JSON item. Every inconsistency (missing key, wrong dtype or shape, bad
     * JSON, a block size or type bitsandbytes would not write) is an error naming the tensor and the source.
     * Takes ownership of the tensors it uses; the caller closes the rest.
     *
     * @param prefix  the weight's key in the checkpoint, {@code <module>.weight}
     * @param tensors the checkpoint's tensors by key
     * @param source  what to name the checkpoint as in error messages (a file name, say)
     * @return the weight's state, owning the tensors it took
     */
    public static QuantState fromCheckpoint(String prefix, Map<String, Tensor> tensors, String source) {
        return QuantStateReader.read(prefix, tensors, source);
    }

    static QuantState of(Tensor packed, Tensor absmax, Tensor quantMap, Tensor nestedAbsmax, Tensor nestedMap, float offset,
                         int blocksize, QuantType type, long[] shape, DType dtype) {
        return new QuantState(packed, absmax, quantMap, nestedAbsmax, nestedMap, offset, blocksize, type, shape, dtype);
    }

    /**
     * Whether the scales are double-quantized.
     *
     * @return true when the absmax is stored as 8-bit codes with nested scales
     */
    public boolean nested() {
        return nestedAbsmax != null;
    }

    /**
     * The 4-bit code of the packed values.
     *
     * @return FP4 or NF4
     */
    public QuantType type() {
        return type;
    }

    /**
     * How many consecutive elements of the weight share one scale.
     *
     * @return the block size
     */
    public int blocksize() {
        return blocksize;
    }

    /**
     * The original weight's shape.
     *
     * @return a copy of the shape, e.g. (out_features, in_features)
     */
    public long[] shape() {
        return shape.clone();
    }

    /**
     * The original weight's dtype (what {@link #dequantize()} returns, as bitsandbytes' quant_state.dtype).
     *
     * @return float32, bfloat16 or float16
     */
    public DType dtype() {
        return dtype;
    }

    /**
     * The double-quantization offset (the mean of the absmax values); 0 without double quantization.
     *
     * @return the offset added back to the dequantized scales
     */
    public float offset() {
        return offset;
    }

    /**
     * The packed codes, uint8 ((n + 1) / 2, 1).
     *
     * @return the state's own tensor (not a copy); do not close it
     */
    public Tensor packed() {
        return packed;
    }

    /**
     * The stored scales: float32 absmax, or the uint8 codes of the nested quantization.
     *
     * @return the state's own tensor (not a copy); do not close it
     */
    public Tensor absmax() {
        return absmax;
    }

    /**
     * Nested float32 absmax, or null.
     *
     * @return the state's own tensor (not a copy), or null without double quantization
     */
    public Tensor nestedAbsmax() {
        return nestedAbsmax;
    }

    /**
     * The float32 per-block scales as a new tensor the caller closes: the stored absmax, or with double
     * quantization dynamic-map[codes] · nested absmax + offset, computed as bitsandbytes does on each use.
     *
     * @return (blocks) float32; without double quantization a detached view of the stored absmax
     */
    public Tensor scales() {
        if (!nested()) {
            return absmax.detach();
        }
        try (Tensor dq = QuantOps.dequantizeBlockwise8bit(absmax, nestedAbsmax, nestedMap, NESTED_BLOCKSIZE)) {
            return dq.add(offset);
        }
    }

    /**
     * The weight dequantized into its original dtype (a new tensor).
     *
     * @return a new tensor of {@link #shape()} and {@link #dtype()}, owned by the caller (or the open scope)
     */
    public Tensor dequantize() {
        return dequantize(dtype);
    }

    /**
     * The weight dequantized into dtype: code · scale in float32, rounded once.
     *
     * @param into the dtype of the result
     * @return a new tensor of {@link #shape()}, owned by the caller (or the open scope)
     */
    public Tensor dequantize(DType into) {
        try (Tensor s = scales()) {
            return QuantOps.dequantize4bit(packed, s, blocksize, type, shape, into);
        }
    }

    /**
     * Bytes this state holds (codes, scales and their metadata tensors).
     *
     * @return the total size in bytes of the tensors {@link #tensors(String)} lists
     */
    public long bytes() {
        long total = 0;
        for (Tensor t : tensors("w").values()) {
            total += t.numel() * t.dtype().byteSize();
        }
        return total;
    }

    /**
     * The tensors under the keys transformers' {@code save_pretrained} writes for a 4-bit weight at prefix
     * ({@code <module>.weight}): the codes at prefix itself, then {@code .absmax}, {@code .quant_map},
     * {@code .nested_absmax}, {@code .nested_quant_map}, {@code .quant_state.bitsandbytes__<type>}.
     *
     * @param prefix the weight's key, {@code <module>.weight}
     * @return a new map, in that order, of the state's own tensors (not copies)
     */
    public Map<String, Tensor> tensors(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(prefix, packed);
        out.put(prefix + ".absmax", absmax);
        out.put(prefix + ".quant_map", quantMap);
        if (nested()) {
            out.put(prefix + ".nested_absmax", nestedAbsmax);
            out.put(prefix + ".nested_quant_map", nestedMap);
        }
        out.put(prefix + "." + jsonKey(type), json);
        return out;
    }

    /** The key suffix of the JSON item: {@code quant_state.bitsandbytes__nf4}. */
    static String jsonKey(QuantType type) {
        return "quant_state.bitsandbytes__" + type.jsonName();
    }

    /** The JSON item exactly as bitsandbytes' pack_dict_to_tensor writes it (json.dumps, key order of as_dict). */
    String jsonText() {
        StringBuilder s = new StringBuilder();
        s.append("{\"quant_type\": \"").append(type.jsonName()).append("\", \"blocksize\": ").append(blocksize)
                .append(", \"dtype\": \"").append(torchName(dtype)).append("\", \"shape\": [");
        for (int i = 0; i < shape.length; i++) {
            s.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        s.append("]");
        if (nested()) {
            s.append(", \"nested_blocksize\": ").append(NESTED_BLOCKSIZE).append(", \"nested_dtype\": \"float32\", \"nested_offset\": ")
                    .append(PythonFloats.repr(offset));
        }
        return s.append("}").toString();
    }

    static String torchName(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "float32";
            case BFLOAT16 -> "bfloat16";
            case FLOAT16 -> "float16";
            default -> throw new Lora4jException("quantize", "no 4-bit weights of dtype " + dtype);
        };
    }

    private static Tensor jsonTensor(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return Tensor.of(MemorySegment.ofArray(bytes), DType.UINT8, Device.CPU, bytes.length);
    }

    static JsonNode parseJson(Tensor item, String name, String source) {
        if (item.dtype() != DType.UINT8 || item.dim() != 1) {
            throw new Lora4jException("quant_state", source + ": " + name + " must be a uint8 vector of UTF-8 JSON, got "
                    + item.dtype() + " " + Arrays.toString(item.shape()));
        }
        byte[] bytes = new byte[(int) item.numel()];
        item.copyTo(MemorySegment.ofArray(bytes), DType.UINT8);
        try {
            return new ObjectMapper().readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new Lora4jException("quant_state", source + ": " + name + " is not valid JSON: " + e.getMessage());
        }
    }

    /** Frees every tensor of the state (idempotent; a module that registered them frees them itself). */
    @Override
    public void close() {
        for (Tensor t : tensors("w").values()) {
            if (!t.isClosed()) {
                t.close();
            }
        }
    }
}
