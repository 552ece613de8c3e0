package dev.lora4j.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import dev.lora4j.io.StrictJson;
import dev.lora4j.peft.bitfit.BitFitConfig;
import dev.lora4j.peft.ia3.Ia3Config;
import dev.lora4j.peft.lntuning.LnTuningConfig;
import org.junit.jupiter.api.Test;

/**
 * IA3, LN tuning and BitFit read adapter_config.json strictly, fill missing fields with PEFT's T5
 * defaults, and read back what they write.
 */
class MethodConfigsTest {
    private static ObjectNode json(String text) throws Exception {
        return (ObjectNode) StrictJson.parse(text);
    }

    private static String error(String type, String body) {
        PeftMethod method = PeftMethods.forType(type);
        return assertThrows(Lora4jException.class, () -> method.readConfig(json(body), "x.json")).getMessage();
    }

    @Test
    void missingFieldsTakePeftsT5Defaults() throws Exception {
        Ia3Config ia3 = (Ia3Config) PeftMethods.forType("IA3").readConfig(json("{\"peft_type\": \"IA3\"}"), "x.json");
        assertEquals(Ia3Config.defaults(), ia3);
        LnTuningConfig ln = (LnTuningConfig) PeftMethods.forType("LN_TUNING").readConfig(json("{}"), "x.json");
        assertEquals(LnTuningConfig.defaults(), ln);
        BitFitConfig beft = (BitFitConfig) PeftMethods.forType("BEFT").readConfig(json("{}"), "x.json");
        assertEquals(ModuleNames.of("v"), beft.targetModules(), "PEFT's BEFT default for T5 when a file names none");
        assertTrue(beft.initWeights());
    }

    @Test
    void whatIsWrittenReadsBackTheSame() {
        for (MethodConfig config : new MethodConfig[] {
                Ia3Config.defaults().withInitIa3Weights(false),
                new LnTuningConfig(new ModuleNames(null, java.util.regex.Pattern.compile(".*final_layer_norm")),
                        ModuleNames.of("layer_norm"), java.util.List.of()),
                BitFitConfig.defaults().withModulesToSave(java.util.List.of("layer_norm"))}) {
            MethodConfig back = config.method().readConfig(config.toJson(), "x.json");
            assertEquals(config.toJson(), back.toJson(), config.toString());
        }
    }

    @Test
    void wrongFieldsAreErrorsNamingTheField() {
        assertTrue(error("IA3", "{\"target_modules\": [\"k\", \"v\"], \"feedforward_modules\": [\"wo\"]}")
                .contains("field \"feedforward_modules\" must be a subset of target_modules"));
        assertTrue(error("IA3", "{\"fan_in_fan_out\": true}").contains("fan_in_fan_out"));
        assertTrue(error("IA3", "{\"init_ia3_weights\": \"yes\"}").contains("field \"init_ia3_weights\" must be true or false"));
        assertTrue(error("IA3", "{\"target_modules\": 5}").contains("field \"target_modules\""));
        assertTrue(error("LN_TUNING", "{\"target_modules\": \"all-linear\"}").contains("LoRA only"));
        assertTrue(error("LN_TUNING", "{\"exclude_modules\": \"(\"}").contains("field \"exclude_modules\" is not a valid regex"));
        assertTrue(error("BEFT", "{\"target_modules\": []}").contains("field \"target_modules\" must name at least one module"));
        assertTrue(error("BEFT", "{\"modules_to_save\": \"layer_norm\"}").contains("field \"modules_to_save\""));
    }

    @Test
    void peftsModuleMatchingRules() {
        ModuleNames names = ModuleNames.of("k", "wo");
        assertTrue(names.matches("encoder.block.0.layer.0.SelfAttention.k"));
        assertFalse(names.matches("encoder.block.0.layer.0.SelfAttention.kk"), "a name matches whole segments");
        assertTrue(names.matchesSuffix("decoder.block.1.layer.2.DenseReluDense.wo"));
        assertTrue(ModulesToSave.covers(java.util.List.of("layer_norm"), "encoder.block.0.layer.0.layer_norm"));
        assertFalse(ModulesToSave.covers(java.util.List.of("layer_norm"), "encoder.final_layer_norm"),
                "PEFT's target exclusion matches segments, its modules_to_save selection plain suffixes");
    }
}
