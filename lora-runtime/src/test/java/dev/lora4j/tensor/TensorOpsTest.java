package dev.lora4j.tensor;

import static dev.lora4j.testing.JsonArrays.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.lora4j.testing.PythonReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every exposed op against PyTorch: tensor_ops_reference.py draws inputs, computes each op with torch
 * in float64 and prints both; here the same op runs through the bindings on the same inputs.
 * Tolerance: 1e-12 relative + 1e-12 absolute for floating point (both sides run libtorch's float64
 * kernels, so differences come only from threading order); exact for integers and booleans.
 */
class TensorOpsTest {
    private static final double RTOL = 1e-12;
    private static final double ATOL = 1e-12;
    private static JsonNode reference;

    private static final Map<String, Function<List<Tensor>, List<Tensor>>> OPS = new HashMap<>();

    private static void op(String name, Function<List<Tensor>, Tensor> fn) {
        OPS.put(name, in -> List.of(fn.apply(in)));
    }

    private static void pairOp(String name, Function<List<Tensor>, Tensor.Pair> fn) {
        OPS.put(name, in -> {
            Tensor.Pair p = fn.apply(in);
            return List.of(p.values(), p.indices());
        });
    }

    static {
        // layout
        op("view", in -> in.get(0).view(6, 4));
        op("reshape", in -> in.get(0).reshape(4, 6));
        op("permute", in -> in.get(0).permute(2, 0, 1));
        op("transpose", in -> in.get(0).transpose(0, 2));
        op("slice", in -> in.get(0).slice(1, 1, 6, 2));
        op("slice_clamped_end", in -> in.get(0).slice(0, 2, 100, 1));
        op("narrow", in -> in.get(0).narrow(1, 2, 3));
        op("unsqueeze", in -> in.get(0).unsqueeze(1));
        op("squeeze", in -> in.get(0).squeeze(1));
        op("expand", in -> in.get(0).expand(4, 3));
        op("contiguous", in -> in.get(0).contiguous());
        op("cat", in -> Tensor.cat(1, in.get(0), in.get(1)));
        op("stack", in -> Tensor.stack(0, in.get(0), in.get(1)));
        op("index_select", in -> in.get(0).indexSelect(0, in.get(1)));
        op("gather", in -> in.get(0).gather(1, in.get(1)));
        op("repeat_interleave", in -> in.get(0).repeatInterleave(2, 0));
        op("to_float32", in -> in.get(0).to(DType.FLOAT32));
        op("to_int64", in -> in.get(0).to(DType.INT64));
        op("clone", in -> in.get(0).copy());
        op("detach", in -> in.get(0).detach());
        // linear algebra
        op("matmul", in -> in.get(0).matmul(in.get(1)));
        op("matmul_batched", in -> in.get(0).matmul(in.get(1)));
        op("linear", in -> in.get(0).linear(in.get(1), in.get(2)));
        op("linear_no_bias", in -> in.get(0).linear(in.get(1), null));
        op("addmm", in -> Tensor.addmm(in.get(0), in.get(1), in.get(2), 0.5, 2.0));
        op("bmm", in -> in.get(0).bmm(in.get(1)));
        // elementwise
        op("add", in -> in.get(0).add(in.get(1)));
        op("add_alpha", in -> in.get(0).add(in.get(1), -2.5));
        op("add_broadcast", in -> in.get(0).add(in.get(1)));
        op("sub", in -> in.get(0).sub(in.get(1)));
        op("mul", in -> in.get(0).mul(in.get(1)));
        op("div", in -> in.get(0).div(in.get(1)));
        op("maximum", in -> in.get(0).maximum(in.get(1)));
        op("minimum", in -> in.get(0).minimum(in.get(1)));
        op("add_scalar", in -> in.get(0).add(1.5));
        op("sub_scalar", in -> in.get(0).sub(1.5));
        op("mul_scalar", in -> in.get(0).mul(-3.0));
        op("div_scalar", in -> in.get(0).div(4.0));
        op("int_add_scalar", in -> in.get(0).add(3));
        op("int_mul_scalar", in -> in.get(0).mul(7));
        op("int_div_scalar", in -> in.get(0).div(4));
        op("pow", in -> in.get(0).pow(3));
        op("neg", in -> in.get(0).neg());
        op("abs", in -> in.get(0).abs());
        op("sqrt", in -> in.get(0).sqrt());
        op("rsqrt", in -> in.get(0).rsqrt());
        op("exp", in -> in.get(0).exp());
        op("log", in -> in.get(0).log());
        op("tanh", in -> in.get(0).tanh());
        op("sigmoid", in -> in.get(0).sigmoid());
        op("relu", in -> in.get(0).relu());
        op("gelu", in -> in.get(0).gelu());
        op("gelu_tanh", in -> in.get(0).geluTanh());
        op("clamp", in -> in.get(0).clamp(-0.5, 0.5));
        op("clamp_min", in -> in.get(0).clamp(0.1, Double.POSITIVE_INFINITY));
        op("isfinite", in -> in.get(0).isFinite());
        // comparison and masking
        op("eq", in -> in.get(0).eq(in.get(1)));
        op("ne", in -> in.get(0).ne(in.get(1)));
        op("lt", in -> in.get(0).lt(in.get(1)));
        op("le", in -> in.get(0).le(in.get(1)));
        op("gt", in -> in.get(0).gt(in.get(1)));
        op("ge", in -> in.get(0).ge(in.get(1)));
        op("eq_scalar", in -> in.get(0).eq(1));
        op("ne_scalar", in -> in.get(0).ne(1));
        op("lt_scalar", in -> in.get(0).lt(0));
        op("le_scalar", in -> in.get(0).le(0));
        op("gt_scalar", in -> in.get(0).gt(0));
        op("ge_scalar", in -> in.get(0).ge(0));
        op("logical_and", in -> in.get(0).logicalAnd(in.get(1)));
        op("logical_or", in -> in.get(0).logicalOr(in.get(1)));
        op("logical_not", in -> in.get(0).logicalNot());
        op("masked_fill", in -> in.get(0).maskedFill(in.get(1), -1e9));
        op("masked_fill_broadcast", in -> in.get(0).maskedFill(in.get(1), 7.0));
        op("where", in -> Tensor.where(in.get(0), in.get(1), in.get(2)));
        op("triu", in -> in.get(0).triu(1));
        op("tril", in -> in.get(0).tril(0));
        // reductions
        op("sum_all", in -> in.get(0).sum());
        op("sum_dims", in -> in.get(0).sum(false, 0, 2));
        op("sum_keepdim", in -> in.get(0).sum(true, -1));
        op("mean_all", in -> in.get(0).mean());
        op("mean_keepdim", in -> in.get(0).mean(true, -1));
        pairOp("max_dim", in -> in.get(0).max(1, false));
        op("max_all", in -> in.get(0).max());
        op("argmax", in -> in.get(0).argmax(1, false));
        pairOp("topk", in -> in.get(0).topk(3, 1, true, true));
        pairOp("topk_smallest", in -> in.get(0).topk(2, 0, false, true));
        op("softmax", in -> in.get(0).softmax(-1));
        op("log_softmax", in -> in.get(0).logSoftmax(1));
        // neural network
        op("embedding", in -> Functional.embedding(in.get(0), in.get(1)));
        op("cross_entropy_mean", in -> Functional.crossEntropy(in.get(0), in.get(1)));
        op("cross_entropy_sum", in -> Functional.crossEntropy(in.get(0), in.get(1), -100, Functional.Reduction.SUM, 0));
        op("cross_entropy_none", in -> Functional.crossEntropy(in.get(0), in.get(1), -100, Functional.Reduction.NONE, 0));
        op("cross_entropy_smoothing", in -> Functional.crossEntropy(in.get(0), in.get(1), -100, Functional.Reduction.MEAN, 0.1));
        op("sdpa_bias_scale1", in -> Functional.scaledDotProductAttention(in.get(0), in.get(1), in.get(2), in.get(3), 0, false, 1.0));
        op("sdpa_causal", in -> Functional.scaledDotProductAttention(in.get(0), in.get(1), in.get(2), null, 0, true, Double.NaN));
        op("dropout_eval", in -> Functional.dropout(in.get(0), 0.5, false, null));
    }

    @BeforeAll
    static void computeReference() throws Exception {
        Path script = Path.of(System.getProperty("lora4j.repo.root", "."),
                "lora-runtime/src/test/python/tensor_ops_reference.py");
        String json = PythonReference.runFile(script);
        reference = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build().readTree(json);
    }

    @Test
    void everyReferenceCaseHasAJavaOpAndViceVersa() {
        List<String> names = new ArrayList<>();
        reference.fieldNames().forEachRemaining(names::add);
        assertEquals(new java.util.TreeSet<>(OPS.keySet()), new java.util.TreeSet<>(names));
    }

    @TestFactory
    Stream<DynamicTest> opsMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        reference.fields().forEachRemaining(e -> tests.add(DynamicTest.dynamicTest(e.getKey(), () -> runCase(e.getKey(), e.getValue()))));
        return tests.stream();
    }

    private static void runCase(String name, JsonNode c) {
        long before = NativeLibrary.liveTensors();
        try (Scope scope = Scope.open()) {
            List<Tensor> inputs = new ArrayList<>();
            for (JsonNode in : c.get("inputs")) {
                inputs.add(decode(in));
            }
            List<Tensor> outputs = OPS.get(name).apply(inputs);
            JsonNode expected = c.get("outputs");
            assertEquals(expected.size(), outputs.size(), name + ": output count");
            for (int i = 0; i < outputs.size(); i++) {
                assertMatches(name + "[" + i + "]", expected.get(i), outputs.get(i));
            }
        }
        assertEquals(before, NativeLibrary.liveTensors(), name + ": live tensors after the scope closed");
    }

    static Tensor decode(JsonNode t) {
        long[] shape = longs(t.get("shape"));
        JsonNode data = t.get("data");
        int n = data.size();
        return switch (t.get("dtype").asText()) {
            case "float64", "float32" -> {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = data.get(i).asDouble();
                }
                Tensor d = Tensor.of(v, shape);
                yield t.get("dtype").asText().equals("float32") ? d.to(DType.FLOAT32) : d;
            }
            case "int64" -> Tensor.of(longs(data), shape);
            case "bool" -> {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) {
                    v[i] = data.get(i).asBoolean();
                }
                yield Tensor.of(v, shape);
            }
            default -> throw new IllegalArgumentException("dtype " + t.get("dtype"));
        };
    }

    private static void assertMatches(String what, JsonNode expected, Tensor actual) {
        assertArrayEquals(longs(expected.get("shape")), actual.shape(), what + ": shape");
        String dtype = expected.get("dtype").asText();
        DType expectedType = switch (dtype) {
            case "float64" -> DType.FLOAT64;
            case "float32" -> DType.FLOAT32;
            case "int64" -> DType.INT64;
            case "bool" -> DType.BOOL;
            default -> throw new IllegalArgumentException(dtype);
        };
        assertEquals(expectedType, actual.dtype(), what + ": dtype");
        JsonNode data = expected.get("data");
        switch (expectedType) {
            case INT64 -> assertArrayEquals(longs(data), actual.toLongArray(), what);
            case BOOL -> {
                boolean[] got = actual.toBooleanArray();
                for (int i = 0; i < got.length; i++) {
                    assertEquals(data.get(i).asBoolean(), got[i], what + " at " + i);
                }
            }
            default -> {
                double[] got = actual.toDoubleArray();
                assertEquals(data.size(), got.length, what + ": element count");
                for (int i = 0; i < got.length; i++) {
                    double want = data.get(i).asDouble();
                    if (Double.isNaN(want)) {
                        assertTrue(Double.isNaN(got[i]), what + " at " + i + ": expected NaN, got " + got[i]);
                        continue;
                    }
                    double tol = ATOL + RTOL * Math.abs(want);
                    assertTrue(Math.abs(got[i] - want) <= tol,
                            what + " at " + i + ": expected " + want + ", got " + got[i] + " (tolerance " + tol + ")");
                }
            }
        }
    }
}
