package dev.lora4j.quant;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.DType;
import dev.lora4j.tensor.Tensor;

import java.util.Arrays;
import java.util.Map;

/**
 * Reads one 4-bit weight of a transformers checkpoint saved with a bitsandbytes config (bitsandbytes'
 * {@code QuantState.from_dict}), checking every tensor against the JSON item so that a corrupt or
 * inconsistent file fails here, naming the tensor, instead of computing garbage later.
 */
final class QuantStateReader {
    private QuantStateReader() {}

    static QuantState read(String prefix, Map<String, Tensor> tensors, String source) {
        String nf4Key = prefix + "." + QuantState.jsonKey(QuantType.NF4);
        String fp4Key = prefix + "." + QuantState.jsonKey(QuantType.FP4);
        String jsonKey;
        if (tensors.containsKey(nf4Key) && tensors.containsKey(fp4Key)) {
            throw error(source, prefix, "has both " + nf4Key + " and " + fp4Key);
        } else if (tensors.containsKey(nf4Key)) {
            jsonKey = nf4Key;
        } else if (tensors.containsKey(fp4Key)) {
            jsonKey = fp4Key;
        } else {
            throw error(source, prefix, "missing its quant_state item (" + nf4Key + ")");
        }
        JsonNode json = QuantState.parseJson(tensors.get(jsonKey), jsonKey, source);
        if (!json.isObject()) {
            throw error(source, jsonKey, "must hold a JSON object");
        }
        QuantType type = QuantType.parse(text(json, "quant_type", jsonKey, source));
        if (!jsonKey.endsWith("__" + type.jsonName())) {
            throw error(source, jsonKey, "says quant_type \"" + type.jsonName() + "\" but its key names another type");
        }
        int blocksize = integer(json, "blocksize", jsonKey, source);
        if (blocksize < 32 || blocksize > 4096 || Integer.bitCount(blocksize) != 1) {
            throw error(source, jsonKey, "blocksize must be a power of two in [32, 4096], got " + blocksize);
        }
        DType dtype = switch (text(json, "dtype", jsonKey, source)) {
            case "float32" -> DType.FLOAT32;
            case "bfloat16" -> DType.BFLOAT16;
            case "float16" -> DType.FLOAT16;
            default -> throw error(source, jsonKey, "dtype must be float32, bfloat16 or float16, got " + json.get("dtype"));
        };
        JsonNode shapeNode = json.get("shape");
        if (shapeNode == null || !shapeNode.isArray() || shapeNode.size() != 2) {
            throw error(source, jsonKey, "shape must be [out_features, in_features], got " + shapeNode);
        }
        long[] shape = new long[2];
        for (int i = 0; i < 2; i++) {
            if (!shapeNode.get(i).canConvertToLong() || !shapeNode.get(i).isIntegralNumber() || shapeNode.get(i).asLong() <= 0) {
                throw error(source, jsonKey, "shape must hold positive integers, got " + shapeNode);
            }
            shape[i] = shapeNode.get(i).asLong();
        }
        long n = shape[0] * shape[1];
        long blocks = (n + blocksize - 1) / blocksize;
        boolean nested = json.has("nested_offset") || json.has("nested_blocksize");

        Tensor packed = require(tensors, prefix, source, DType.UINT8, new long[] {(n + 1) / 2, 1});
        Tensor quantMap = require(tensors, prefix + ".quant_map", source, DType.FLOAT32, new long[] {16});
        try (Tensor ours = QuantOps.code4bit(type)) {
            if (!Arrays.equals(quantMap.toFloatArray(), ours.toFloatArray())) {
                throw error(source, prefix + ".quant_map", "is not bitsandbytes' " + type.jsonName() + " code");
            }
        }
        if (!nested) {
            for (String extra : new String[] {".nested_absmax", ".nested_quant_map"}) {
                if (tensors.containsKey(prefix + extra)) {
                    throw error(source, prefix + extra, "present but " + jsonKey + " has no nested_* fields");
                }
            }
            Tensor absmax = require(tensors, prefix + ".absmax", source, DType.FLOAT32, new long[] {blocks});
            tensors.get(jsonKey).close(); // the item is rebuilt from the fields read
            return QuantState.of(packed, absmax, quantMap, null, null, 0f, blocksize, type, shape, dtype);
        }
        if (integer(json, "nested_blocksize", jsonKey, source) != QuantState.NESTED_BLOCKSIZE) {
            throw error(source, jsonKey, "nested_blocksize must be 256 (bitsandbytes' only nested block size)");
        }
        if (!"float32".equals(text(json, "nested_dtype", jsonKey, source))) {
            throw error(source, jsonKey, "nested_dtype must be float32");
        }
        JsonNode offsetNode = json.get("nested_offset");
        if (offsetNode == null || !offsetNode.isNumber()) {
            throw error(source, jsonKey, "nested_offset must be a number, got " + offsetNode);
        }
        Tensor absmax = require(tensors, prefix + ".absmax", source, DType.UINT8, new long[] {blocks});
        Tensor nestedAbsmax = require(tensors, prefix + ".nested_absmax", source, DType.FLOAT32,
                new long[] {(blocks + QuantState.NESTED_BLOCKSIZE - 1) / QuantState.NESTED_BLOCKSIZE});
        Tensor nestedMap = require(tensors, prefix + ".nested_quant_map", source, DType.FLOAT32, new long[] {256});
        tensors.get(jsonKey).close(); // the item is rebuilt from the fields read
        return QuantState.of(packed, absmax, quantMap, nestedAbsmax, nestedMap, (float) offsetNode.asDouble(), blocksize, type,
                shape, dtype);
    }

    private static Tensor require(Map<String, Tensor> tensors, String key, String source, DType dtype, long[] shape) {
        Tensor t = tensors.get(key);
        if (t == null) {
            throw error(source, key, "missing");
        }
        if (t.dtype() != dtype) {
            throw error(source, key, "must be " + dtype + ", got " + t.dtype()
                    + (key.endsWith(".weight") && t.dtype() != DType.UINT8 ? " (only bnb_4bit_quant_storage uint8 is read)" : ""));
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw error(source, key, "must have shape " + Arrays.toString(shape) + " for the weight its quant_state describes, got "
                    + Arrays.toString(t.shape()));
        }
        return t;
    }

    private static String text(JsonNode json, String field, String key, String source) {
        JsonNode v = json.get(field);
        if (v == null || !v.isTextual()) {
            throw error(source, key, "field \"" + field + "\" must be a string, got " + v);
        }
        return v.asText();
    }

    private static int integer(JsonNode json, String field, String key, String source) {
        JsonNode v = json.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw error(source, key, "field \"" + field + "\" must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static Lora4jException error(String source, String key, String message) {
        return new Lora4jException("quant_state", source + ": " + key + " " + message);
    }
}
