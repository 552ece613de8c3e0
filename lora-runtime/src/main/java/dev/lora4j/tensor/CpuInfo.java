package dev.lora4j.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What this machine's CPU is and which of the instruction sets a training step's speed depends on it has,
 * read from Linux's {@code /proc/cpuinfo}. Two CPUs that differ here are different machines for any timing
 * (issue 20: a step tuned on an AMD Zen 4 did not carry over to an Intel Xeon), and bfloat16 compute is only
 * fast where the CPU has bfloat16 dot products (AVX512-BF16 or AMX-BF16): elsewhere libtorch converts to
 * float32 element by element and a bfloat16 step is slower than a float32 one.
 *
 * @param vendor the vendor id, e.g. {@code GenuineIntel} or {@code AuthenticAMD}; {@code "?"} when unknown
 * @param modelName the model name the kernel reports (a VM may report a generic one such as "AMD EPYC")
 * @param family the CPU family number as text ({@code "?"} when unknown); with model it names the
 *     microarchitecture (AMD family 25 model 17: Zen 4)
 * @param model the model number as text ({@code "?"} when unknown)
 * @param flags every feature flag the kernel lists, lower case; empty when unknown (not Linux)
 */
public record CpuInfo(String vendor, String modelName, String family, String model, Set<String> flags) {
    /** The flags worth naming in a benchmark report or a warning, in this order (widest first within a family). */
    public static final List<String> PERFORMANCE_FEATURES = List.of("avx2", "fma", "avx512f", "avx512bw", "avx512vl",
            "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8");

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");
    private static volatile CpuInfo current;

    /** Copies flags so the record stays immutable. */
    public CpuInfo {
        flags = Set.copyOf(flags);
    }

    /**
     * This machine's CPU, read once per process; an unknown CPU (no readable {@code /proc/cpuinfo}) has
     * {@code "?"} fields and no flags.
     *
     * @return the CPU of the first processor listed
     */
    public static CpuInfo current() {
        CpuInfo info = current;
        if (info == null) {
            String text;
            try {
                text = Files.isReadable(CPUINFO) ? Files.readString(CPUINFO) : "";
            } catch (IOException e) {
                text = "";
            }
            info = parse(text);
            current = info;
        }
        return info;
    }

    /**
     * Reads the first processor's entry of a {@code /proc/cpuinfo} text.
     *
     * @param cpuinfo the file's text; an empty or unrecognised text gives an unknown CPU
     * @return the CPU that entry describes
     */
    public static CpuInfo parse(String cpuinfo) {
        String vendor = "?";
        String modelName = "?";
        String family = "?";
        String model = "?";
        Set<String> flags = new LinkedHashSet<>();
        for (String line : cpuinfo.split("\n")) {
            if (line.isBlank()) {
                if (!flags.isEmpty() || !vendor.equals("?")) {
                    break; // the first processor's entry ends at its blank line
                }
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "vendor_id" -> vendor = value;
                case "model name" -> modelName = value;
                case "cpu family" -> family = value;
                case "model" -> model = value;
                case "flags" -> {
                    for (String flag : value.split("\\s+")) {
                        if (!flag.isEmpty()) {
                            flags.add(flag.toLowerCase(Locale.ROOT));
                        }
                    }
                }
                default -> { }
            }
        }
        return new CpuInfo(vendor, modelName, family, model, flags);
    }

    /**
     * Whether the CPU multiplies bfloat16 in hardware (AVX512-BF16 or AMX-BF16), so a bfloat16 base is
     * faster than a float32 one instead of slower.
     *
     * @return true when either feature is listed
     */
    public boolean hasBfloat16DotProducts() {
        return flags.contains("avx512_bf16") || flags.contains("amx_bf16");
    }

    /**
     * The flags of {@link #PERFORMANCE_FEATURES} this CPU has.
     *
     * @return those flags, in that list's order
     */
    public List<String> performanceFeatures() {
        List<String> present = new ArrayList<>();
        for (String f : PERFORMANCE_FEATURES) {
            if (flags.contains(f)) {
                present.add(f);
            }
        }
        return present;
    }

    /**
     * One line naming the CPU and its performance features, e.g. {@code AMD EPYC (AuthenticAMD family 25
     * model 17): avx2 fma avx512f ...}.
     *
     * @return the line
     */
    public String describe() {
        List<String> features = performanceFeatures();
        return modelName + " (" + vendor + " family " + family + " model " + model + "): "
                + (features.isEmpty() ? (flags.isEmpty() ? "features unknown" : "none of " + String.join(" ", PERFORMANCE_FEATURES))
                : String.join(" ", features));
    }
}
