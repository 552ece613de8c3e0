package dev.lora4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.Lora4jException;
import dev.lora4j.testing.PythonReference;
import org.junit.jupiter.api.Test;

/** The learning-rate multipliers against transformers' schedulers (1e-12). */
class LrScheduleTest {
    private static final String REFERENCE = """
            import json, torch
            from transformers import (get_constant_schedule_with_warmup, get_linear_schedule_with_warmup,
                                      get_cosine_schedule_with_warmup)
            out = {}
            for name, make in [("CONSTANT", lambda o: get_constant_schedule_with_warmup(o, 5)),
                               ("LINEAR", lambda o: get_linear_schedule_with_warmup(o, 5, 23)),
                               ("COSINE", lambda o: get_cosine_schedule_with_warmup(o, 5, 23))]:
                opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
                sched = make(opt)
                lrs = []
                for _ in range(25):
                    lrs.append(opt.param_groups[0]["lr"])
                    opt.step(); sched.step()
                out[name] = lrs
            print(json.dumps(out))
            """;

    @Test
    void factorsMatchTransformersSchedulers() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(PythonReference.runSource(REFERENCE));
        for (LrSchedule s : LrSchedule.values()) {
            for (int step = 0; step < 25; step++) {
                assertEquals(ref.get(s.name()).get(step).asDouble(), s.factor(step, 5, 23), 1e-12, s + " at step " + step);
            }
        }
        assertEquals(LrSchedule.COSINE, LrSchedule.parse(" cosine"));
        assertThrows(Lora4jException.class, () -> LrSchedule.parse("cyclic"));
    }
}
