package dev.lora4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CpuInfo reads /proc/cpuinfo as Linux writes it: the first processor's entry, its flags, the bfloat16 rule. */
class CpuInfoTest {
    // Abridged entries in the kernel's format (tab before the colon), two processors each.
    private static final String ZEN4 = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            cpu family\t: 25
            model\t\t: 17
            model name\t: AMD EPYC
            flags\t\t: fpu sse2 avx fma avx2 avx512f avx512dq avx512bw avx512vl avx512_bf16 avx512_vnni

            processor\t: 1
            vendor_id\t: AuthenticAMD
            flags\t\t: fpu amx_bf16
            """;
    private static final String SKYLAKE_SERVER = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            cpu family\t: 6
            model\t\t: 85
            model name\t: Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz
            flags\t\t: fpu sse2 avx fma avx2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni
            """;
    private static final String SAPPHIRE_RAPIDS = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            cpu family\t: 6
            model\t\t: 143
            model name\t: Intel(R) Xeon(R) Platinum 8480+
            flags\t\t: avx2 fma avx512f avx512bw avx512vl avx512_vnni avx512_fp16 amx_bf16 amx_tile amx_int8
            """;

    @Test
    void readsTheFirstProcessorAndItsFeatures() {
        CpuInfo cpu = CpuInfo.parse(ZEN4);
        assertEquals("AuthenticAMD", cpu.vendor());
        assertEquals("AMD EPYC", cpu.modelName());
        assertEquals("25", cpu.family());
        assertEquals("17", cpu.model());
        assertTrue(cpu.hasBfloat16DotProducts());
        assertFalse(cpu.flags().contains("amx_bf16"), "the second processor's flags are not the first's");
        assertEquals(List.of("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16"),
                cpu.performanceFeatures());
        assertEquals("AMD EPYC (AuthenticAMD family 25 model 17): avx2 fma avx512f avx512bw avx512vl avx512_vnni avx512_bf16",
                cpu.describe());
    }

    @Test
    void bfloat16DotProductsNeedAvx512Bf16OrAmx() {
        assertFalse(CpuInfo.parse(SKYLAKE_SERVER).hasBfloat16DotProducts(), "AVX-512 without BF16 (issue 20's Xeon)");
        CpuInfo spr = CpuInfo.parse(SAPPHIRE_RAPIDS);
        assertTrue(spr.hasBfloat16DotProducts(), "AMX-BF16");
        assertEquals(List.of("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_fp16", "amx_tile",
                "amx_bf16", "amx_int8"), spr.performanceFeatures());
    }

    @Test
    void anUnreadableFileIsAnUnknownCpu() {
        CpuInfo none = CpuInfo.parse("");
        assertEquals("?", none.vendor());
        assertTrue(none.flags().isEmpty());
        assertFalse(none.hasBfloat16DotProducts());
        assertEquals("? (? family ? model ?): features unknown", none.describe());
        assertEquals("none of avx2 fma avx512f avx512bw avx512vl avx512_vnni avx512_bf16 avx512_fp16 amx_tile amx_bf16 amx_int8",
                CpuInfo.parse("vendor_id : X\nflags : fpu sse2\n").describe().replaceFirst(".*: ", ""));
    }

    @Test
    void thisMachinesCpuIsKnownOnLinux() throws Exception {
        if (!Files.isReadable(Path.of("/proc/cpuinfo"))) {
            return; // only Linux has the file; elsewhere current() is the unknown CPU tested above
        }
        CpuInfo cpu = CpuInfo.current();
        assertFalse(cpu.flags().isEmpty(), cpu.toString());
        assertEquals(cpu, CpuInfo.current(), "read once");
        String flagsLine = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("flags")).findFirst()
                .orElseThrow();
        assertEquals(flagsLine.contains(" avx512_bf16") || flagsLine.contains(" amx_bf16"), cpu.hasBfloat16DotProducts());
    }
}
