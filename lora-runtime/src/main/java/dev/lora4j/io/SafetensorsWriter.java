package dev.lora4j.io;

import dev.lora4j.tensor.DType;
import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.CharBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects named tensors and writes them as one safetensors file, byte-identical to
 * {@code safetensors.torch.save_file} for the same tensors and metadata (see {@link HeaderEncoder} for
 * the layout rules, including the one deliberate difference: metadata keys are written sorted).
 *
 * <p>The file is replaced atomically ({@link AtomicFiles}): if anything fails while writing, the file
 * previously at the path is untouched. Data is not copied when added: segments (and arrays) must stay
 * alive and unchanged until {@link #write(Path)} returns.
 *
 * <pre>{@code
 * new SafetensorsWriter()
 *     .add("lora_A.weight", DType.FLOAT32, new long[] {8, 512}, segment)
 *     .metadata(Map.of("format", "pt"))
 *     .write(Path.of("adapter_model.safetensors"));
 * }</pre>
 */
public final class SafetensorsWriter {
    /** Bytes handed to the channel per write call; large tensors are written in slices of this size. */
    private static final long CHUNK = 1L << 30;
    /** Buffer size for segments that cannot be viewed as a ByteBuffer (see writeSegment). */
    private static final long COPY_CHUNK = 1L << 20;

    private final List<HeaderEncoder.Entry> entries = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private Map<String, String> metadata; // null: no __metadata__ entry at all, as save_file(metadata=None)

    /** Creates a writer with no tensors and no metadata. */
    public SafetensorsWriter() {}

    /**
     * Adds a tensor whose C-ordered little-endian bytes are {@code data}. Checks the name is new and
     * that the data has exactly product(shape) × dtype size bytes.
     *
     * @param name  the tensor's name; not {@code __metadata__}, not already added, valid Unicode
     * @param dtype the element type
     * @param shape the dimensions, none negative; copied
     * @param data  the tensor's bytes, exactly product(shape) times the dtype size; kept, not copied
     * @return this writer
     * @throws dev.lora4j.Lora4jException when the name is reserved, repeated or not valid Unicode, or the
     *     sizes disagree
     */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, MemorySegment data) {
        if (name == null || dtype == null || shape == null || data == null) {
            throw new NullPointerException("name, dtype, shape and data must not be null");
        }
        if (name.equals(SafetensorsHeader.METADATA_KEY)) {
            throw error("\"" + name + "\" is reserved for metadata and cannot name a tensor");
        }
        byte[] nameUtf8 = strictUtf8(name, "tensor name");
        if (names.contains(name)) {
            throw error("tensor \"" + name + "\" added twice");
        }
        // Every check before the name is taken: a rejected tensor leaves nothing behind, so a corrected retry works.
        long expected = byteLength(name, dtype, shape);
        if (data.byteSize() != expected) {
            throw error("tensor \"" + name + "\": shape " + Arrays.toString(shape) + " of " + dtype.safetensorsName()
                    + " needs " + expected + " bytes but the data has " + data.byteSize());
        }
        names.add(name);
        entries.add(new HeaderEncoder.Entry(name, nameUtf8, dtype, shape.clone(), data));
        return this;
    }

    /**
     * Adds a tensor held in a byte array (not copied).
     *
     * @param name  the tensor's name; not {@code __metadata__}, not already added, valid Unicode
     * @param dtype the element type
     * @param shape the dimensions, none negative; copied
     * @param data  the tensor's C-ordered little-endian bytes; kept, not copied
     * @return this writer
     * @throws dev.lora4j.Lora4jException when the name is reserved, repeated or not valid Unicode, or the
     *     sizes disagree
     */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, byte[] data) {
        return add(name, dtype, shape, MemorySegment.ofArray(data));
    }

    /**
     * Sets the {@code __metadata__} string map (copied). {@code null}, the default, leaves the entry out;
     * an empty map writes {@code "__metadata__":{}}, as the reference does for {@code metadata={}}.
     *
     * @param metadata the string map to write, keys and values non-null and valid Unicode; null for none
     * @return this writer
     * @throws dev.lora4j.Lora4jException when a key or value is null or not valid Unicode
     */
    public SafetensorsWriter metadata(Map<String, String> metadata) {
        if (metadata == null) {
            this.metadata = null;
            return this;
        }
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw error("metadata keys and values must not be null");
            }
            strictUtf8(e.getKey(), "metadata key");
            strictUtf8(e.getValue(), "metadata value");
            copy.put(e.getKey(), e.getValue());
        }
        this.metadata = copy;
        return this;
    }

    /**
     * Writes the file, replacing {@code path} atomically. Throws {@link Lora4jException} on failure.
     *
     * @param path the file to write; its parent directory must exist
     */
    public void write(Path path) {
        HeaderEncoder.Layout layout = HeaderEncoder.layout(entries, metadata);
        try {
            AtomicFiles.write(path, channel -> {
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                length.putLong(0, layout.header().length);
                AtomicFiles.writeFully(channel, length);
                AtomicFiles.writeFully(channel, ByteBuffer.wrap(layout.header()));
                for (HeaderEncoder.Entry e : layout.order()) {
                    writeSegment(channel, e.data());
                }
            });
        } catch (IOException e) {
            throw new Lora4jException("safetensors", path + ": cannot write: " + e.getMessage(), e);
        }
    }

    private static void writeSegment(FileChannel channel, MemorySegment data) throws IOException {
        // Native, mapped and byte[] segments can be viewed as ByteBuffers without copying; a segment over
        // another array type (float[], long[]...) cannot, so its bytes go through a small buffer.
        boolean viewable = data.heapBase().map(base -> base instanceof byte[]).orElse(true);
        long chunk = viewable ? CHUNK : COPY_CHUNK;
        byte[] copy = viewable ? null : new byte[(int) Math.min(COPY_CHUNK, data.byteSize())];
        // A ByteBuffer holds at most 2^31-1 bytes, hence slices.
        for (long at = 0; at < data.byteSize(); at += chunk) {
            int n = (int) Math.min(chunk, data.byteSize() - at);
            if (viewable) {
                AtomicFiles.writeFully(channel, data.asSlice(at, n).asByteBuffer());
            } else {
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, at, copy, 0, n);
                AtomicFiles.writeFully(channel, ByteBuffer.wrap(copy, 0, n));
            }
        }
    }

    private static long byteLength(String name, DType dtype, long[] shape) {
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw error("tensor \"" + name + "\": shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            try {
                n = Math.multiplyExact(n, shape[i]);
            } catch (ArithmeticException e) {
                throw error("tensor \"" + name + "\": shape " + Arrays.toString(shape) + " overflows");
            }
        }
        try {
            return Math.multiplyExact(n, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw error("tensor \"" + name + "\": shape " + Arrays.toString(shape) + " overflows");
        }
    }

    /** UTF-8 bytes, refusing unpaired surrogates: Java would silently write '?' for them. */
    private static byte[] strictUtf8(String s, String what) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw error(what + " \"" + s + "\" is not valid Unicode (unpaired surrogate)");
        }
    }

    private static Lora4jException error(String message) {
        return new Lora4jException("safetensors", message);
    }
}
