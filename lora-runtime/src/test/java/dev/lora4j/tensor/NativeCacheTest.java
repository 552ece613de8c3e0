package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native jars' unpacking (NativeBundle, NativeCache) on fake bundles: a folder laid out as the jars
 * are, read through a class loader, so no libtorch is needed.
 */
class NativeCacheTest {
    private static final String PLATFORM = "linux-x86_64";

    @Test
    void unpacksOnceVerifiedThenFindsTheFolderComplete(@TempDir Path dir) throws Exception {
        Path jar = fakeJar(dir.resolve("jar"), 1 << 20, false);
        try (URLClassLoader loader = loaderOf(jar)) {
            List<NativeBundle> bundles = bundles(loader);
            NativeCache.Unpacked first = NativeCache.unpack(bundles, loader, dir.resolve("cache"));
            assertTrue(first.extractedHere());
            assertTrue(first.folder().getFileName().toString().startsWith(PLATFORM + "-9.9.9-"), first.folder().toString());
            for (String name : List.of("libfake_torch.so", "libfake_shim.so")) {
                assertArrayEquals(Files.readAllBytes(jar.resolve(dir(name))), Files.readAllBytes(first.folder().resolve(name)));
            }
            NativeCache.Unpacked second = NativeCache.unpack(bundles, loader, dir.resolve("cache"));
            assertFalse(second.extractedHere());
            assertEquals(first.folder(), second.folder());

            // A truncated file (a full disk, say) is noticed by its size and unpacked again.
            Files.write(first.folder().resolve("libfake_torch.so"), new byte[3]);
            assertTrue(NativeCache.unpack(bundles, loader, dir.resolve("cache")).extractedHere());
        }
    }

    @Test
    void aFileThatDoesNotMatchItsChecksumIsRefusedAndNothingIsLeftUnderItsName(@TempDir Path dir) throws Exception {
        Path jar = fakeJar(dir.resolve("jar"), 4096, true);
        try (URLClassLoader loader = loaderOf(jar)) {
            List<NativeBundle> bundles = bundles(loader);
            Lora4jException e = assertThrows(Lora4jException.class,
                    () -> NativeCache.unpack(bundles, loader, dir.resolve("cache")));
            assertTrue(e.getMessage().contains("libfake_shim.so") && e.getMessage().contains("damaged"), e.getMessage());
            Path folder = NativeCache.folder(dir.resolve("cache"), bundles);
            assertFalse(Files.exists(folder.resolve("libfake_shim.so")));
            assertFalse(Files.exists(folder.resolve(NativeCache.MARKER)));
        }
    }

    /** A file changed in place (same size) passes the quick check; -Dlora4j.natives.verify=true catches it. */
    @Test
    void verifyRehashesAndNamesTheChangedFile(@TempDir Path dir) throws Exception {
        Path jar = fakeJar(dir.resolve("jar"), 4096, false);
        try (URLClassLoader loader = loaderOf(jar)) {
            List<NativeBundle> bundles = bundles(loader);
            Path folder = NativeCache.unpack(bundles, loader, dir.resolve("cache")).folder();
            byte[] content = Files.readAllBytes(folder.resolve("libfake_torch.so"));
            content[0] ^= 1;
            Files.write(folder.resolve("libfake_torch.so"), content);
            assertFalse(NativeCache.unpack(bundles, loader, dir.resolve("cache")).extractedHere());
            System.setProperty("lora4j.natives.verify", "true");
            try {
                Lora4jException e = assertThrows(Lora4jException.class, () -> NativeCache.unpack(bundles, loader, dir.resolve("cache")));
                assertTrue(e.getMessage().contains("libfake_torch.so") && e.getMessage().contains("delete " + folder), e.getMessage());
            } finally {
                System.clearProperty("lora4j.natives.verify");
            }
        }
    }

    @Test
    void aMalformedBundleFileNamesItselfAndTheLine() {
        Lora4jException e = assertThrows(Lora4jException.class, () -> NativeBundle.parse(
                "bundle=x\nversion=1\nplatform=p\nfile=abc 12 lib.so\n", "dir/", "jar:x.bundle"));
        assertTrue(e.getMessage().contains("jar:x.bundle line 4"), e.getMessage());
    }

    /** Two JVMs unpacking the same bundles into the same empty cache at once both get a complete folder. */
    @Test
    void twoJvmsUnpackingAtOnceBothSucceed(@TempDir Path dir) throws Exception {
        Path jar = fakeJar(dir.resolve("jar"), 48 << 20, false);
        Path cache = dir.resolve("cache");
        Path go = dir.resolve("go");
        List<Process> children = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            children.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Probe.class.getName(),
                    jar.toString(), cache.toString(), go.toString())
                    .redirectError(dir.resolve("stderr" + i + ".txt").toFile())
                    .redirectOutput(dir.resolve("stdout" + i + ".txt").toFile())
                    .start());
        }
        Thread.sleep(500);  // both JVMs started and are polling for the go file
        Files.writeString(go, "go");
        List<String> outputs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Process child = children.get(i);
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child " + i + " finished");
            String out = Files.readString(dir.resolve("stdout" + i + ".txt")).strip();
            assertEquals(0, child.exitValue(), "child " + i + ": " + out + "\n" + Files.readString(dir.resolve("stderr" + i + ".txt")));
            outputs.add(out);
        }
        // Exactly one of them wrote; the other waited on the lock and found the folder complete.
        assertEquals(1, outputs.stream().filter(o -> o.startsWith("extracted ")).count(), outputs.toString());
        assertEquals(1, outputs.stream().filter(o -> o.startsWith("found ")).count(), outputs.toString());
        try (URLClassLoader loader = loaderOf(jar)) {
            Path folder = NativeCache.folder(cache, bundles(loader));
            assertArrayEquals(Files.readAllBytes(jar.resolve(dir("libfake_torch.so"))), Files.readAllBytes(folder.resolve("libfake_torch.so")));
            try (var files = Files.list(folder)) {
                assertEquals(List.of(), files.filter(f -> f.getFileName().toString().contains(".part-")).toList());
            }
        }
    }

    /** While another process holds the folder's lock, a JVM that needs the folder waits instead of writing. */
    @Test
    void aJvmWaitsWhileAnotherHoldsTheLock(@TempDir Path dir) throws Exception {
        Path jar = fakeJar(dir.resolve("jar"), 1 << 20, false);
        Path cache = dir.resolve("cache");
        Path folder;
        try (URLClassLoader loader = loaderOf(jar)) {
            folder = NativeCache.folder(cache, bundles(loader));
        }
        Files.createDirectories(folder.getParent());
        Path lockFile = folder.resolveSibling(folder.getFileName() + ".lock");
        Files.writeString(dir.resolve("go"), "go");
        try (var channel = FileChannel.open(lockFile, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); var lock = channel.lock()) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Probe.class.getName(),
                    jar.toString(), cache.toString(), dir.resolve("go").toString())
                    .redirectOutput(dir.resolve("stdout.txt").toFile()).redirectError(dir.resolve("stderr.txt").toFile()).start();
            assertFalse(child.waitFor(3, TimeUnit.SECONDS), "the child waits for the lock");
            assertFalse(Files.exists(folder.resolve(NativeCache.MARKER)));
            lock.release();
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, child.exitValue(), Files.readString(dir.resolve("stderr.txt")));
            assertTrue(Files.readString(dir.resolve("stdout.txt")).startsWith("extracted "));
        }
    }

    /** The child JVM of the concurrency tests: waits for the go file, unpacks, says which way it went. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            Path jar = Path.of(args[0]);
            Path go = Path.of(args[2]);
            while (!Files.exists(go)) {
                Thread.sleep(5);
            }
            try (URLClassLoader loader = loaderOf(jar)) {
                NativeCache.Unpacked u = NativeCache.unpack(bundles(loader), loader, Path.of(args[1]));
                System.out.println((u.extractedHere() ? "extracted " : "found ") + u.folder());
            }
        }
    }

    private static String dir(String name) {
        return "dev/lora4j/natives/" + PLATFORM + "/" + name;
    }

    private static URLClassLoader loaderOf(Path jar) throws IOException {
        return new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
    }

    private static List<NativeBundle> bundles(ClassLoader loader) {
        return List.of(NativeBundle.find(loader, PLATFORM, "lora4j-libtorch"), NativeBundle.find(loader, PLATFORM, "lora4j-native"));
    }

    /** Both bundles, laid out as the jars are; {@code corrupt} records a wrong checksum for the shim. */
    private static Path fakeJar(Path root, int size, boolean corrupt) throws Exception {
        Files.createDirectories(root.resolve(dir("")));
        Random random = new Random(size);
        writeBundle(root, "lora4j-libtorch", "libfake_torch.so", randomBytes(random, size), false);
        writeBundle(root, "lora4j-native", "libfake_shim.so", randomBytes(random, 4096), corrupt);
        return root;
    }

    private static void writeBundle(Path root, String bundle, String file, byte[] content, boolean corrupt) throws Exception {
        Files.write(root.resolve(dir(file)), content);
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(content);
        if (corrupt) {
            hash[0] ^= 1;
        }
        String text = "bundle=" + bundle + "\nversion=9.9.9\nplatform=" + PLATFORM + "\nfile="
                + HexFormat.of().formatHex(hash) + " " + content.length + " " + file + "\n";
        Files.writeString(root.resolve(dir(bundle + ".bundle")), text, StandardCharsets.UTF_8);
    }

    private static byte[] randomBytes(Random random, int size) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        return b;
    }
}
