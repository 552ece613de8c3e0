package dev.lora4j.tensor;

import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.logging.Logger;

/**
 * Unpacks the native jars' libraries once into a cache folder and finds them there on later runs.
 *
 * <p>The folder is {@code <root>/natives/<platform>-<version>-<hash>}, where the hash covers every
 * bundle's table of contents (checksums included): a new build gets a new folder and never overwrites
 * files that another running JVM has mapped. The root is the system property {@code lora4j.cache.dir},
 * else the environment variable {@code LORA4J_CACHE}, else {@code $XDG_CACHE_HOME/lora4j}, else
 * {@code ~/.cache/lora4j}.
 *
 * <p>Unpacking runs under an exclusive file lock ({@code <folder>.lock}) so two JVMs starting at once
 * do not both write: the second waits, then finds the folder complete. Each file is written under a
 * temporary name, checked against its SHA-256 while it is written, and renamed into place; a marker file
 * written last says the folder is complete. A JVM killed halfway leaves no file under a final name that
 * was not verified, and the next run finishes the job. Later runs check the marker and the sizes only;
 * {@code -Dlora4j.natives.verify=true} re-hashes every file.
 */
final class NativeCache {
    private static final Logger LOG = Logger.getLogger(NativeCache.class.getName());
    static final String MARKER = ".complete";

    private NativeCache() {}

    /** Where the folder came from: unpacked by this call, or found complete. */
    record Unpacked(Path folder, boolean extractedHere) {}

    /**
     * The shim unpacked from the native jars on the class path (with libtorch's libraries beside it), or
     * null when no lora4j-native jar for this platform is there. The last step of
     * {@link NativeLibrary}'s search; {@code tried} gets the folder for its error message.
     */
    static Path libraryFromClassPath(String fileName, List<Path> tried) {
        String platform = NativeBundle.currentPlatform();
        if (platform == null) {
            return null;
        }
        ClassLoader loader = NativeCache.class.getClassLoader();
        if (NativeBundle.find(loader, platform, NativeBundle.SHIM) == null
                && Thread.currentThread().getContextClassLoader() != null) {
            loader = Thread.currentThread().getContextClassLoader();
        }
        List<NativeBundle> bundles = new java.util.ArrayList<>();
        for (String name : NativeBundle.NAMES) {
            NativeBundle bundle = NativeBundle.find(loader, platform, name);
            if (bundle != null) {
                bundles.add(bundle);
            } else if (name.equals(NativeBundle.SHIM)) {
                tried.add(Path.of("classpath:dev/lora4j/natives/" + platform + "/" + name + ".bundle"));
                return null;
            }
        }
        NativeBundle shim = bundles.getLast();
        if (bundles.size() < NativeBundle.NAMES.size()) {
            throw new Lora4jException("load", "the lora4j-native jar (" + platform + ") is on the class path but "
                    + "lora4j-libtorch is not: add dev.lora4j:lora4j-libtorch:" + shim.version() + ":" + platform
                    + " (docs/EMBEDDING.md), or point -Dlora4j.library.path at a liblora4j.so built for your libtorch");
        }
        for (NativeBundle bundle : bundles) {
            // The shim is built against one libtorch: jars of different lora4j versions may not match.
            if (!bundle.version().equals(shim.version())) {
                throw new Lora4jException("load", "the native jars on the class path are of different versions: "
                        + shim.name() + " " + shim.version() + ", " + bundle.name() + " " + bundle.version()
                        + "; depend on both at the version of lora4j-runtime");
            }
        }
        if (shim.file(fileName) == null) {
            throw new Lora4jException("load", "the lora4j-native jar (" + platform + ") has no " + fileName
                    + "; the jar is damaged: re-download or rebuild it");
        }
        Unpacked unpacked = unpack(bundles, loader, root());
        tried.add(unpacked.folder());
        return unpacked.folder().resolve(fileName);
    }

    /** The cache root (holding {@code natives/}), from the property, the environment or the home folder. */
    static Path root() {
        String property = System.getProperty("lora4j.cache.dir");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        String env = System.getenv("LORA4J_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "lora4j");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "lora4j");
    }

    /** The folder these bundles unpack into under {@code root}. */
    static Path folder(Path root, List<NativeBundle> bundles) {
        MessageDigest digest = sha256();
        for (NativeBundle b : bundles) {
            digest.update(b.text().getBytes(StandardCharsets.UTF_8));
        }
        String hash = HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        NativeBundle last = bundles.getLast();
        return root.resolve("natives").resolve(last.platform() + "-" + last.version() + "-" + hash);
    }

    /**
     * Makes sure every file of {@code bundles} lies verified in their cache folder under {@code root},
     * unpacking from {@code loader}'s resources if needed; safe against other threads and other JVMs.
     */
    static synchronized Unpacked unpack(List<NativeBundle> bundles, ClassLoader loader, Path root) {
        Path folder = folder(root, bundles);
        boolean verify = Boolean.getBoolean("lora4j.natives.verify");
        if (isComplete(folder, bundles)) {
            if (verify) {
                verifyAll(folder, bundles);
            }
            return new Unpacked(folder, false);
        }
        Path lockFile = folder.resolveSibling(folder.getFileName() + ".lock");
        try {
            Files.createDirectories(folder.getParent());
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = channel.lock()) {
                // Another JVM may have finished while this one waited for the lock.
                if (isComplete(folder, bundles)) {
                    return new Unpacked(folder, false);
                }
                long bytes = bundles.stream().flatMap(b -> b.files().stream()).mapToLong(NativeBundle.Entry::size).sum();
                LOG.info(() -> "unpacking lora4j's native libraries (" + (bytes >> 20) + " MiB) into " + folder
                        + " (once per version)");
                Files.createDirectories(folder);
                for (NativeBundle bundle : bundles) {
                    for (NativeBundle.Entry entry : bundle.files()) {
                        Path target = folder.resolve(entry.fileName());
                        // A file under its final name was verified before it was renamed there.
                        if (Files.isRegularFile(target) && Files.size(target) == entry.size()) {
                            continue;
                        }
                        extract(bundle, entry, loader, target);
                    }
                }
                writeMarker(folder, bundles);
                return new Unpacked(folder, true);
            }
        } catch (IOException e) {
            throw new Lora4jException("load", "cannot unpack lora4j's native libraries into " + folder + ": " + e
                    + ". Free disk space or point -Dlora4j.cache.dir (or LORA4J_CACHE) at a writable folder", e);
        }
    }

    /** True when the marker is there and every file has its recorded size. */
    static boolean isComplete(Path folder, List<NativeBundle> bundles) {
        if (!Files.isRegularFile(folder.resolve(MARKER))) {
            return false;
        }
        try {
            for (NativeBundle bundle : bundles) {
                for (NativeBundle.Entry entry : bundle.files()) {
                    Path file = folder.resolve(entry.fileName());
                    if (!Files.isRegularFile(file) || Files.size(file) != entry.size()) {
                        return false;
                    }
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void extract(NativeBundle bundle, NativeBundle.Entry entry, ClassLoader loader, Path target)
            throws IOException {
        String resource = bundle.resourceDir() + entry.fileName();
        Path temp = target.resolveSibling(entry.fileName() + ".part-" + ProcessHandle.current().pid());
        MessageDigest digest = sha256();
        try (InputStream raw = loader.getResourceAsStream(resource)) {
            if (raw == null) {
                throw new Lora4jException("load", "the " + bundle.name() + " jar lists " + entry.fileName()
                        + " but has no " + resource + "; the jar is damaged: re-download or rebuild it");
            }
            try (InputStream in = new DigestInputStream(raw, digest);
                 OutputStream out = Files.newOutputStream(temp)) {
                in.transferTo(out);
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equals(entry.sha256()) || Files.size(temp) != entry.size()) {
                throw new Lora4jException("load", resource + " in the " + bundle.name() + " jar has SHA-256 " + actual
                        + " and " + Files.size(temp) + " bytes, but its bundle file says " + entry.sha256() + " and "
                        + entry.size() + "; the jar is damaged: re-download or rebuild it");
            }
            moveIntoPlace(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void writeMarker(Path folder, List<NativeBundle> bundles) throws IOException {
        Path temp = folder.resolve(MARKER + ".part-" + ProcessHandle.current().pid());
        StringBuilder text = new StringBuilder();
        for (NativeBundle b : bundles) {
            text.append(b.text()).append('\n');
        }
        Files.writeString(temp, text);
        moveIntoPlace(temp, folder.resolve(MARKER));
    }

    private static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void verifyAll(Path folder, List<NativeBundle> bundles) {
        for (NativeBundle bundle : bundles) {
            for (NativeBundle.Entry entry : bundle.files()) {
                Path file = folder.resolve(entry.fileName());
                MessageDigest digest = sha256();
                try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
                    in.transferTo(OutputStream.nullOutputStream());
                } catch (IOException e) {
                    throw new Lora4jException("load", "cannot read " + file + ": " + e.getMessage(), e);
                }
                String actual = HexFormat.of().formatHex(digest.digest());
                if (!actual.equals(entry.sha256())) {
                    throw new Lora4jException("load", file + " has SHA-256 " + actual + " but the " + bundle.name()
                            + " jar says " + entry.sha256() + "; delete " + folder + " and run again to unpack it afresh");
                }
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
