package dev.lora4j.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a Hugging Face model directory: either one {@code model.safetensors}, or shards listed
 * by {@code model.safetensors.index.json} ({@code weight_map}: tensor name → shard file name). Either
 * way the same accessors find a tensor by name, whatever shard holds it.
 *
 * <p>Like transformers, a directory with both files is read through {@code model.safetensors}.
 * Opening validates every shard (see {@link SafetensorsFile}) and that the index and the shards agree
 * exactly: every listed tensor is in its shard, and no shard holds a tensor the index does not send to
 * it, so a name can never resolve to two different tensors.
 */
public final class ShardedCheckpoint implements AutoCloseable {
    /** The file name of an unsharded checkpoint. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The file name of the shard index of a sharded checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path directory;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> shardByTensor; // iteration order = names()

    private ShardedCheckpoint(Path directory, List<SafetensorsFile> shards, Map<String, SafetensorsFile> shardByTensor) {
        this.directory = directory;
        this.shards = shards;
        this.shardByTensor = shardByTensor;
    }

    /**
     * Opens the checkpoint in {@code directory}; throws {@link Lora4jException} naming the defect.
     *
     * @param directory the model directory holding {@code model.safetensors} or the shard index and shards
     * @return the open checkpoint; close it to unmap the files
     * @throws Lora4jException when neither file is there, a file is invalid, or the index and shards disagree
     */
    public static ShardedCheckpoint open(Path directory) {
        Path single = directory.resolve(SINGLE_FILE);
        Path index = directory.resolve(INDEX_FILE);
        if (Files.isRegularFile(single)) {
            SafetensorsFile file = SafetensorsFile.open(single);
            Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
            for (String name : file.names()) {
                byName.put(name, file);
            }
            return new ShardedCheckpoint(directory, List.of(file), byName);
        }
        if (Files.isRegularFile(index)) {
            return openSharded(directory, index);
        }
        throw new Lora4jException("checkpoint", directory + ": contains neither " + SINGLE_FILE + " nor " + INDEX_FILE);
    }

    private static ShardedCheckpoint openSharded(Path directory, Path index) {
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, SafetensorsFile> openShards = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                String shardName = e.getValue();
                if (!openShards.containsKey(shardName)) {
                    openShards.put(shardName, SafetensorsFile.open(shardPath(directory, index, e.getKey(), shardName)));
                }
            }
            Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                SafetensorsFile shard = openShards.get(e.getValue());
                if (!shard.contains(e.getKey())) {
                    throw error(index, "tensor \"" + e.getKey() + "\" is mapped to " + e.getValue()
                            + " but that shard does not contain it");
                }
                byName.put(e.getKey(), shard);
            }
            for (Map.Entry<String, SafetensorsFile> s : openShards.entrySet()) {
                for (String name : s.getValue().names()) {
                    String listed = weightMap.get(name);
                    if (listed == null) {
                        throw error(index, "shard " + s.getKey() + " contains tensor \"" + name
                                + "\" which the index does not list");
                    }
                    if (!listed.equals(s.getKey())) {
                        throw error(index, "tensor \"" + name + "\" appears in shard " + s.getKey()
                                + " and in shard " + listed + " (names must be unique across shards)");
                    }
                }
            }
            return new ShardedCheckpoint(directory, List.copyOf(openShards.values()), byName);
        } catch (RuntimeException | Error failure) {
            for (SafetensorsFile f : openShards.values()) {
                f.close();
            }
            throw failure;
        }
    }

    /** Reads weight_map in file order. Other top-level entries (metadata.total_size...) are not needed. */
    private static Map<String, String> readWeightMap(Path index) {
        JsonNode root;
        try {
            root = StrictJson.parse(Files.readString(index, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new Lora4jException("checkpoint", index + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new Lora4jException("checkpoint", index + ": cannot read: " + e.getMessage(), e);
        }
        if (!root.isObject()) {
            throw error(index, "must be a JSON object");
        }
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw error(index, "needs a \"weight_map\" object (tensor name -> shard file)");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw error(index, "weight_map entry for \"" + e.getKey() + "\" must be a file name string");
            }
            weightMap.put(e.getKey(), e.getValue().textValue());
        }
        if (weightMap.isEmpty()) {
            throw error(index, "weight_map is empty");
        }
        return weightMap;
    }

    /**
     * The shard's path, which must be a plain file name in the checkpoint directory: an index is data
     * from elsewhere, and "../x" or "/etc/x" must not make us open files outside the directory.
     */
    private static Path shardPath(Path directory, Path index, String tensor, String shardName) {
        Path name = Path.of(shardName);
        if (shardName.isEmpty() || name.isAbsolute() || name.getNameCount() != 1
                || shardName.equals(".") || shardName.equals("..") || shardName.contains("/") || shardName.contains("\\")) {
            throw error(index, "tensor \"" + tensor + "\" is mapped to \"" + shardName
                    + "\", which is not a plain file name in the checkpoint directory");
        }
        Path path = directory.resolve(name);
        if (!Files.isRegularFile(path)) {
            throw error(index, "tensor \"" + tensor + "\" is mapped to shard " + shardName + ", which does not exist");
        }
        return path;
    }

    /**
     * The directory the checkpoint was opened from.
     *
     * @return the directory, as given to {@link #open(Path)}
     */
    public Path directory() {
        return directory;
    }

    /**
     * Every tensor name: the index's weight_map order, or file order for a single file.
     *
     * @return a new unmodifiable list of names
     */
    public List<String> names() {
        return List.copyOf(shardByTensor.keySet());
    }

    /**
     * Whether the checkpoint has a tensor of this name.
     *
     * @param name the tensor name
     * @return true when some shard holds it
     */
    public boolean contains(String name) {
        return shardByTensor.containsKey(name);
    }

    /**
     * The dtype, shape and position of a tensor.
     *
     * @param name the tensor name
     * @return the tensor's description
     * @throws Lora4jException when there is no such tensor
     */
    public TensorInfo info(String name) {
        return shard(name).info(name);
    }

    /**
     * Zero-copy read-only view of the tensor's bytes, valid until {@link #close()}.
     *
     * @param name the tensor name
     * @return the tensor's bytes, C-ordered little-endian
     * @throws Lora4jException when there is no such tensor
     */
    public MemorySegment data(String name) {
        return shard(name).data(name);
    }

    /**
     * The file that holds the tensor.
     *
     * @param name the tensor name
     * @return the path of the shard (or single file) holding it
     * @throws Lora4jException when there is no such tensor
     */
    public Path shardOf(String name) {
        return shard(name).path();
    }

    /**
     * The shard files, in the order the index first names them.
     *
     * @return a new list of shard paths; one entry for a single file
     */
    public List<Path> shardPaths() {
        List<Path> out = new ArrayList<>();
        for (SafetensorsFile f : shards) {
            out.add(f.path());
        }
        return out;
    }

    private SafetensorsFile shard(String name) {
        SafetensorsFile f = shardByTensor.get(name);
        if (f == null) {
            throw new Lora4jException("checkpoint", directory + ": no tensor named \"" + name + "\"");
        }
        return f;
    }

    /** Unmaps every shard. */
    @Override
    public void close() {
        for (SafetensorsFile f : shards) {
            f.close();
        }
    }

    private static Lora4jException error(Path index, String message) {
        return new Lora4jException("checkpoint", index + ": " + message);
    }
}
