package dev.lora4j.train;

import static dev.lora4j.testing.JsonArrays.doubles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.tensor.Autograd;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Scope;
import dev.lora4j.tensor.Tensor;
import dev.lora4j.testing.PythonReference;
import java.util.List;
import org.junit.jupiter.api.Test;

/** libtorch's AdamW and gradient clipping through the bindings against torch.optim.AdamW. */
class AdamWTest {
    // Five steps of AdamW on f(w) = sum((w·x - y)²) with a learning-rate change after step 2 and
    // gradient clipping to norm 1 before every step.
    private static final String REFERENCE = """
            import json, torch
            w = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=torch.float64, requires_grad=True)
            b = torch.tensor([0.1, -0.2], dtype=torch.float64, requires_grad=True)
            x = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], dtype=torch.float64)
            y = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
            opt = torch.optim.AdamW([w, b], lr=0.1, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.05)
            norms, losses = [], []
            for step in range(5):
                if step == 2:
                    for g in opt.param_groups: g['lr'] = 0.03
                opt.zero_grad()
                loss = ((x @ w.T + b - y) ** 2).sum()
                loss.backward()
                norms.append(torch.nn.utils.clip_grad_norm_([w, b], 1.0).item())
                losses.append(loss.item())
                opt.step()
            st = opt.state[w]
            print(json.dumps({"w": w.detach().flatten().tolist(), "b": b.detach().tolist(), "norms": norms,
                "losses": losses, "exp_avg": st["exp_avg"].flatten().tolist(),
                "exp_avg_sq": st["exp_avg_sq"].flatten().tolist(), "step": int(st["step"])}))
            """;

    /** Tolerance 1e-12: the same float64 update rule on both sides. */
    @Test
    void fiveStepsMatchTorchOptimAdamW() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(PythonReference.runSource(REFERENCE));
        try (Scope scope = Scope.open()) {
            Tensor w = Tensor.of(new double[] {0.5, -1.0, 2.0, 1.5, 0.25, -0.75}, 2, 3).requiresGrad(true);
            Tensor b = Tensor.of(new double[] {0.1, -0.2}, 2).requiresGrad(true);
            Tensor x = Tensor.of(new double[] {1, 2, 3, -1, 0.5, 2}, 2, 3);
            Tensor y = Tensor.of(new double[] {1, 0, 0, 1}, 2, 2);
            try (AdamW opt = new AdamW(List.of(w, b), new AdamW.Options(0.1, 0.8, 0.95, 1e-6, 0.05, false))) {
                assertNull(opt.state(0).expAvg());
                for (int step = 0; step < 5; step++) {
                    if (step == 2) {
                        opt.setLr(0.03);
                    }
                    opt.zeroGrad();
                    try (Scope stepScope = Scope.open()) {
                        Tensor loss = x.matmul(w.transpose(0, 1)).add(b).sub(y).pow(2).sum();
                        loss.backward();
                        assertEquals(ref.get("losses").get(step).asDouble(), loss.item(), 1e-12);
                    }
                    double norm = GradientClipping.clipGradNorm(List.of(w, b), 1.0);
                    assertEquals(ref.get("norms").get(step).asDouble(), norm, 1e-12);
                    opt.step();
                }
                assertEquals(0.03, opt.lr());
                assertArrayEquals(doubles(ref.get("w")), w.toDoubleArray(), 1e-12);
                assertArrayEquals(doubles(ref.get("b")), b.toDoubleArray(), 1e-12);
                try (AdamW.State s = opt.state(0)) {
                    assertArrayEquals(doubles(ref.get("exp_avg")), s.expAvg().toDoubleArray(), 1e-12);
                    assertArrayEquals(doubles(ref.get("exp_avg_sq")), s.expAvgSq().toDoubleArray(), 1e-12);
                    assertEquals(ref.get("step").asLong(), s.step());
                }
            }
        }
    }

    /** Restoring state into a fresh optimizer continues exactly where the first one would have gone. */
    @Test
    void stateRoundTripResumesExactly() {
        try (Scope scope = Scope.open()) {
            Tensor w1 = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
            Tensor w2 = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
            AdamW.Options options = AdamW.Options.defaults().withLr(0.1);
            try (AdamW a = new AdamW(List.of(w1), options)) {
                for (int i = 0; i < 3; i++) {
                    step(a, w1);
                }
                try (AdamW b = new AdamW(List.of(w2), options); AdamW.State s = a.state(0)) {
                    try (var noGrad = Autograd.noGrad()) {
                        w2.copyFrom(w1); // without grad mode, so w2 stays a leaf
                    }
                    b.setState(0, s.expAvg(), s.expAvgSq(), s.step());
                    step(a, w1);
                    step(b, w2);
                    assertArrayEquals(w1.toDoubleArray(), w2.toDoubleArray(), 0.0);
                    assertThrows(Lora4jException.class, () -> b.setState(0, Tensor.zeros(2), Tensor.zeros(2), 1));
                    assertThrows(Lora4jException.class, () -> b.state(5));
                }
            }
        }
    }

    private static void step(AdamW opt, Tensor w) {
        opt.zeroGrad();
        try (Scope s = Scope.open()) {
            w.mul(w).mul(w).sum().backward();
        }
        opt.step();
    }

    @Test
    void invalidParametersAndOptionsAreRejected() {
        try (Scope scope = Scope.open()) {
            Tensor notTrainable = Tensor.ones(2);
            Lora4jException e = assertThrows(Lora4jException.class, () -> new AdamW(List.of(notTrainable), AdamW.Options.defaults()));
            assertEquals("adamw_new", e.op());
            Tensor w = Tensor.ones(2).requiresGrad(true);
            assertThrows(Lora4jException.class, () -> new AdamW(List.of(w), AdamW.Options.defaults().withLr(-1)));
            try (AdamW opt = new AdamW(List.of(w), AdamW.Options.defaults())) {
                assertThrows(Lora4jException.class, () -> opt.setLr(Double.NaN));
            }
            AdamW closed = new AdamW(List.of(w), AdamW.Options.defaults());
            closed.close();
            closed.close();
            assertThrows(Lora4jException.class, closed::step);
        }
    }
}
