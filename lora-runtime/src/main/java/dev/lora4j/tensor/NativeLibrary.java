package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
import dev.lora4j.internal.NativeShutdown;
import dev.lora4j.internal.Native;
import dev.lora4j.bindings.lora4j_h;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Finds and loads liblora4j.so once per JVM, then checks that its ABI matches these bindings.
 *
 * <p>Search order: the system property {@code lora4j.library.path} (the file, or a folder holding it),
 * the environment variable {@code LORA4J_LIBRARY} (likewise), each folder of {@code java.library.path},
 * the system property {@code lora4j.native.dir} (set by the build), {@code build/native} in the working
 * folder or any folder above it (a checkout's build output), and finally the native jars on the class
 * path (lora4j-native and lora4j-libtorch, unpacked once into a cache folder by {@link NativeCache}). The
 * places before the jars are the developer's override: a library built against another libtorch (a GPU
 * build, say) wins over the jars.
 */
public final class NativeLibrary {
    private static final Logger LOG = Logger.getLogger(NativeLibrary.class.getName());
    static final String FILE_NAME = System.mapLibraryName("lora4j");

    private static volatile Path loadedFrom;

    private NativeLibrary() {}

    /**
     * Loads the library if it is not loaded yet (and installs the shutdown hook that keeps exiting threads
     * out of libtorch).
     *
     * @return the absolute path of the loaded library file
     * @throws Lora4jException if the library cannot be found or loaded, or its ABI version does not match
     */
    public static Path ensureLoaded() {
        Path path = loadedFrom;
        if (path != null) {
            return path;
        }
        synchronized (NativeLibrary.class) {
            if (loadedFrom == null) {
                loadedFrom = load();
                NativeShutdown.install();
            }
            return loadedFrom;
        }
    }

    private static Path load() {
        List<Path> tried = new ArrayList<>();
        Path found = locate(tried);
        if (found == null) {
            throw new Lora4jException("load", "cannot find " + FILE_NAME + "; looked in " + tried
                    + ". Add the native jars (dev.lora4j:lora4j-native and lora4j-libtorch, classifier linux-x86_64; see"
                    + " docs/EMBEDDING.md), build it with scripts/build-native.sh, or point -Dlora4j.library.path or"
                    + " LORA4J_LIBRARY at it");
        }
        try {
            System.load(found.toString());
        } catch (IllegalCallerException e) {
            throw new Lora4jException("load", "native access is disabled for this code; run java with "
                    + "--enable-native-access=ALL-UNNAMED (or the lora4j module's name), or add "
                    + "'Enable-Native-Access: ALL-UNNAMED' to an executable jar's manifest", e);
        } catch (UnsatisfiedLinkError e) {
            throw new Lora4jException("load", "cannot load " + found + ": " + e.getMessage()
                    + " (is libtorch where the library was built against? rebuild with scripts/build-native.sh;"
                    + " for the native jars' cache: a folder on a noexec filesystem cannot hold libraries, so set"
                    + " -Dlora4j.cache.dir to another)", e);
        }
        int abi = lora4j_h.l4j_abi_version();
        int expected = lora4j_h.L4J_ABI_VERSION();
        if (abi != expected) {
            throw new Lora4jException("load", found + " has ABI version " + abi + " but these bindings need "
                    + expected + "; the library is stale: rebuild it with scripts/build-native.sh");
        }
        LOG.fine(() -> "loaded " + found + " (libtorch " + torchVersion() + ")");
        return found;
    }

    private static Path locate(List<Path> tried) {
        List<Path> candidates = new ArrayList<>();
        addCandidate(candidates, System.getProperty("lora4j.library.path"));
        addCandidate(candidates, System.getenv("LORA4J_LIBRARY"));
        String libraryPath = System.getProperty("java.library.path", "");
        for (String dir : libraryPath.split(File.pathSeparator)) {
            if (!dir.isBlank()) {
                candidates.add(Path.of(dir, FILE_NAME));
            }
        }
        addCandidate(candidates, System.getProperty("lora4j.native.dir"));
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            candidates.add(dir.resolve("build").resolve("native").resolve(FILE_NAME));
        }
        for (Path candidate : candidates) {
            tried.add(candidate);
            if (Files.isRegularFile(candidate)) {
                return candidate.toAbsolutePath();
            }
        }
        // Last: the native jars (issue 15). Unpacks them into the cache on first use.
        return NativeCache.libraryFromClassPath(FILE_NAME, tried);
    }

    private static void addCandidate(List<Path> candidates, String value) {
        if (value == null || value.isBlank()) {
            return;
        }
        Path p = Path.of(value);
        candidates.add(Files.isDirectory(p) ? p.resolve(FILE_NAME) : p);
    }

    /**
     * The libtorch version the library was built against.
     *
     * @return a version string such as {@code "2.5.1"}
     */
    public static String torchVersion() {
        ensureLoaded();
        return lora4j_h.l4j_torch_version().getString(0);
    }

    /**
     * Live native tensors (every handle not yet freed): tests use it to prove nothing leaks.
     *
     * @return the number of tensor handles allocated and not yet freed, process-wide
     */
    public static long liveTensors() {
        ensureLoaded();
        return lora4j_h.l4j_live_tensors();
    }

    /**
     * Live native generators: tests use it to prove nothing leaks.
     *
     * @return the number of generator handles allocated and not yet freed, process-wide
     */
    public static long liveGenerators() {
        ensureLoaded();
        return lora4j_h.l4j_live_generators();
    }

    /**
     * Live native optimizers: tests use it to prove nothing leaks.
     *
     * @return the number of optimizer handles allocated and not yet freed, process-wide
     */
    public static long liveOptimizers() {
        ensureLoaded();
        return lora4j_h.l4j_live_optimizers();
    }

    /**
     * Sets how many threads libtorch uses for intra-op parallelism.
     *
     * @param threads the thread count; must be positive
     */
    public static void setNumThreads(int threads) {
        ensureLoaded();
        Native.check(lora4j_h.l4j_set_num_threads(threads));
    }

    /**
     * Which library runs float32 products with a frozen weight on the CPU (the base layers of every
     * parameter-efficient method, forward and input gradient): {@code "aten"} (MKL in the pinned libtorch)
     * or {@code "onednn"}. Chosen once per process, at the first such product or this call, by the
     * environment variable {@code LORA4J_CPU_GEMM}: {@code auto} (the default when unset) times both on a
     * T5-sized product (about half a second) and takes oneDNN only when it is at least 5% faster;
     * {@code aten} and {@code onednn} choose without measuring. On an AMD Zen 4, oneDNN runs T5's
     * projections 5-30% faster than MKL's generic path and the flan-t5-large training step 12% faster
     * (issue 20, docs/PERFORMANCE.md "CPU GEMM library").
     *
     * @return {@code "onednn"} or {@code "aten"}
     * @throws Lora4jException if {@code LORA4J_CPU_GEMM} holds another value
     */
    public static String cpuGemmLibrary() {
        ensureLoaded();
        try (var frame = Native.frame()) {
            var out = frame.intOut();
            Native.check(lora4j_h.l4j_cpu_gemm_onednn(out));
            return Native.readInt(out) == 1 ? "onednn" : "aten";
        }
    }

    /**
     * Makes float32 products with a frozen CPU weight run through the given library from now on, whatever
     * was chosen before. The two libraries sum in different orders, so their results differ in the last
     * bits; a resumed training run uses this to continue with the library its checkpoint was written with.
     *
     * @param library {@code "aten"} or {@code "onednn"}
     * @throws IllegalArgumentException for another name
     * @throws Lora4jException if libtorch has no oneDNN
     */
    public static void selectCpuGemm(String library) {
        int code = switch (library) {
            case "aten" -> 0;
            case "onednn" -> 1;
            default -> throw new IllegalArgumentException("CPU GEMM library must be aten or onednn, got '" + library + "'");
        };
        ensureLoaded();
        Native.check(lora4j_h.l4j_cpu_gemm_select(code));
    }

    /**
     * How many threads libtorch uses for intra-op parallelism.
     *
     * @return the current thread count
     */
    public static int numThreads() {
        ensureLoaded();
        try (var frame = Native.frame()) {
            var out = frame.intOut();
            Native.check(lora4j_h.l4j_get_num_threads(out));
            return Native.readInt(out);
        }
    }

    /**
     * Seeds libtorch's default generators (used where no {@link Generator} is given).
     *
     * @param seed the seed
     */
    public static void manualSeed(long seed) {
        ensureLoaded();
        Native.check(lora4j_h.l4j_manual_seed(seed));
    }
}
