package dev.lora4j.t5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.tensor.Device;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.PythonReference;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Buckets for every relative position in [-400, 400] against transformers'
 * T5Attention._relative_position_bucket, for the common settings and small odd ones: exact equality
 * (a bucket off by one is a different learned bias).
 */
class RelativePositionBucketsTest {
    private static final String PY = """
            import json, torch
            from transformers.models.t5.modeling_t5 import T5Attention
            relative = torch.arange(-400, 401)
            out = {}
            for bidirectional in (True, False):
                for buckets, distance in ((32, 128), (8, 20), (16, 7), (64, 300), (6, 9)):
                    b = T5Attention._relative_position_bucket(relative, bidirectional, buckets, distance)
                    out[f"{bidirectional}/{buckets}/{distance}"] = b.tolist()
            print(json.dumps(out))
            """;

    @Test
    void bucketsMatchTransformers() throws IOException {
        JsonNode reference = new ObjectMapper().readTree(PythonReference.runSource(PY));
        var fields = reference.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            String[] key = e.getKey().split("/");
            boolean bidirectional = Boolean.parseBoolean(key[0].toLowerCase(java.util.Locale.ROOT));
            int buckets = Integer.parseInt(key[1]);
            int distance = Integer.parseInt(key[2]);
            long[] expected = new long[e.getValue().size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = e.getValue().get(i).asLong();
            }
            try (Scope scope = Scope.open()) {
                Tensor relative = Tensor.arange(-400, 401, 1, dev.lora4j.tensor.DType.INT64, Device.CPU);
                long[] got = RelativePositionBuckets.bucket(relative, bidirectional, buckets, distance).toLongArray();
                assertArrayEquals(expected, got, e.getKey());
            }
        }
    }

    @Test
    void positionsGiveKeyMinusQuery() {
        try (Scope scope = Scope.open()) {
            // Query positions 2..3 against keys 0..4, unidirectional, 8 buckets: distance max(0, q - k).
            long[] got = RelativePositionBuckets.forPositions(2, 5, 2, false, 8, 20, Device.CPU).toLongArray();
            long[] distances = {2, 1, 0, 0, 0, 3, 2, 1, 0, 0};
            long[] expected = RelativePositionBuckets.bucket(Tensor.of(distances, 10).neg(), false, 8, 20).toLongArray();
            assertArrayEquals(expected, got);
        }
    }
}
