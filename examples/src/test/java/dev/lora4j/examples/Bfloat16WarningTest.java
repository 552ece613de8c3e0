package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.tensor.CpuInfo;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The CLI warns about bfloat16 compute on a CPU without bfloat16 dot products, and only then (issue 20). */
class Bfloat16WarningTest {
    private static final CpuInfo XEON = new CpuInfo("GenuineIntel", "Intel Xeon", "6", "85", Set.of("avx2", "avx512f"));
    private static final CpuInfo ZEN4 = new CpuInfo("AuthenticAMD", "AMD EPYC", "25", "17", Set.of("avx2", "avx512f", "avx512_bf16"));

    @Test
    void warnsForBfloat16OnACpuWithoutIt() {
        String warning = ModelOptions.bfloat16Warning(XEON, "cpu", "bfloat16", null).orElseThrow();
        assertTrue(warning.startsWith("warning: --dtype bfloat16 on this CPU (Intel Xeon (GenuineIntel family 6 model 85): avx2 avx512f)"),
                warning);
        assertTrue(warning.contains("no bfloat16 dot products (avx512_bf16 or amx_bf16)"), warning);
        String compute = ModelOptions.bfloat16Warning(XEON, "cpu", "float32", "bf16").orElseThrow();
        assertTrue(compute.startsWith("warning: --compute-dtype bf16 on this CPU"), compute);
        assertTrue(compute.endsWith("or drop --compute-dtype"), compute);
    }

    @Test
    void silentWhereBfloat16IsFastOrNotAsked() {
        assertEquals(Optional.empty(), ModelOptions.bfloat16Warning(ZEN4, "cpu", "bfloat16", null));
        assertEquals(Optional.empty(), ModelOptions.bfloat16Warning(XEON, "cpu", "float32", null));
        assertEquals(Optional.empty(), ModelOptions.bfloat16Warning(XEON, "cpu", "float32", "float32"));
        assertEquals(Optional.empty(), ModelOptions.bfloat16Warning(XEON, "cuda:0", "bfloat16", null), "the GPU's business");
        assertEquals(Optional.empty(), ModelOptions.bfloat16Warning(CpuInfo.parse(""), "cpu", "bfloat16", null),
                "an unknown CPU: no guess");
    }
}
