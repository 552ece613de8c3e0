package dev.lora4j.io;

import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file, memory-mapped read-only. Tensor data is never copied: {@link #data(String)}
 * returns a slice of the mapping, which the tensor layer can wrap as it is.
 *
 * <p>Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON, then the data
 * region. The whole header is validated in {@link #open(Path)} (see {@link SafetensorsHeader}); a file
 * that opens is consistent, so the accessors never fail on a bad file.
 *
 * <p>The mapping belongs to a shared arena, so slices can be read from any thread. {@link #close()}
 * unmaps the file: every segment returned by {@link #data(String)} becomes inaccessible, and touching
 * one afterwards throws {@link IllegalStateException} instead of reading freed memory.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The reference implementation's limit; a larger header is far more likely an attack or corruption. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ValueLayout.OfLong U64_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final Map<String, TensorInfo> tensors; // insertion order = file order
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, MemorySegment mapping, SafetensorsHeader.Parsed header) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : header.tensors()) {
            byName.put(t.name(), t);
        }
        this.tensors = byName;
        this.metadata = header.metadata();
    }

    /**
     * Maps and validates {@code path}. Throws {@link Lora4jException} naming the file on any defect.
     *
     * @param path the safetensors file; must exist
     * @return the open file; close it to unmap
     */
    public static SafetensorsFile open(Path path) {
        String source = path.toString();
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw SafetensorsHeader.error(source, "file is " + size
                        + " bytes, too short for the 8-byte header length (truncated?)");
            }
            // The mapping outlives the channel: closing a channel does not unmap what it mapped.
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLength = mapping.get(U64_LE, 0);
            // Unsigned compare: a length of 2^63 or more reads as negative in a Java long.
            if (Long.compareUnsigned(headerLength, MAX_HEADER_BYTES) > 0) {
                throw SafetensorsHeader.error(source, "header length " + Long.toUnsignedString(headerLength)
                        + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
            }
            if (headerLength > size - 8) {
                throw SafetensorsHeader.error(source, "header length " + headerLength
                        + " runs past the end of the " + size + "-byte file (truncated?)");
            }
            byte[] header = mapping.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
            long dataStart = 8 + headerLength;
            SafetensorsHeader.Parsed parsed = SafetensorsHeader.parse(header, dataStart, size - dataStart, source);
            return new SafetensorsFile(path, arena, mapping, parsed);
        } catch (IOException e) {
            arena.close();
            throw new Lora4jException("safetensors", source + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * The file this was opened from.
     *
     * @return the path, as given to {@link #open(Path)}
     */
    public Path path() {
        return path;
    }

    /**
     * Tensor names in the order their bytes appear in the file (the header order for reference writers).
     *
     * @return an unmodifiable list of names
     */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    /**
     * Whether the file holds a tensor of this name.
     *
     * @param name the tensor name
     * @return true when the header lists it
     */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * The tensor's dtype, shape and location; throws {@link Lora4jException} if there is no such tensor.
     *
     * @param name the tensor name
     * @return the tensor's description
     */
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new Lora4jException("safetensors", path + ": no tensor named \"" + name + "\"");
        }
        return t;
    }

    /**
     * The tensor's bytes: a read-only slice of the mapping, valid until {@link #close()}. No alignment
     * is promised beyond what the file gives (reference writers pad the header to 8 bytes, so every
     * tensor of theirs starts on its element size).
     *
     * @param name the tensor name
     * @return the read-only bytes, C-ordered little-endian
     * @throws Lora4jException when there is no such tensor
     */
    public MemorySegment data(String name) {
        TensorInfo t = info(name);
        return mapping.asSlice(t.byteOffset(), t.byteLength()).asReadOnly();
    }

    /**
     * The {@code __metadata__} string map, empty if the file has none. Unmodifiable.
     *
     * @return the metadata, by key
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Unmaps the file; segments from {@link #data(String)} become inaccessible. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
