package dev.lora4j.distributed;

import dev.lora4j.Lora4jException;

import java.time.Duration;
import java.util.Map;

/**
 * Where this process stands in a data-parallel run, read from the variables torchrun (and lora4j's own
 * launcher, and most cluster schedulers' torchrun-style wrappers) set: {@code RANK}, {@code WORLD_SIZE},
 * {@code LOCAL_RANK}, {@code MASTER_ADDR}, {@code MASTER_PORT}. {@code LORA4J_DIST_TIMEOUT} (seconds)
 * bounds the rendezvous and every collective; {@code LORA4J_DIST_BACKEND} is {@code gloo} (the default)
 * or {@code nccl}.
 *
 * @param rank       this process's rank, in [0, worldSize)
 * @param worldSize  the number of processes
 * @param localRank  the rank among the processes of this machine (which GPU to use)
 * @param masterAddr the host of rank 0, which serves the rendezvous store
 * @param masterPort the store's TCP port
 * @param timeout    the bound on the rendezvous and on every collective
 * @param backend    the collective backend
 */
public record DistributedConfig(int rank, int worldSize, int localRank, String masterAddr, int masterPort,
                                Duration timeout, ProcessGroup.Backend backend) {
    /** The default bound on a collective: long enough for a slow step, short enough to notice a hung peer. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    /**
     * Checks the values; the messages name the environment variables they come from.
     *
     * @param rank       this process's rank, in [0, worldSize)
     * @param worldSize  the number of processes, at least 1
     * @param localRank  the rank among the processes of this machine, at least 0
     * @param masterAddr the host of rank 0; not blank
     * @param masterPort the store's TCP port, in [1, 65535]
     * @param timeout    the bound on the rendezvous and on every collective; positive
     * @param backend    the collective backend
     * @throws Lora4jException when a value is out of range
     */
    public DistributedConfig {
        if (worldSize < 1) {
            throw new Lora4jException("distributed", "WORLD_SIZE must be at least 1, got " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new Lora4jException("distributed", "RANK " + rank + " is outside [0, " + worldSize + ")");
        }
        if (localRank < 0) {
            throw new Lora4jException("distributed", "LOCAL_RANK must not be negative, got " + localRank);
        }
        if (masterAddr == null || masterAddr.isBlank()) {
            throw new Lora4jException("distributed", "MASTER_ADDR is empty");
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new Lora4jException("distributed", "MASTER_PORT must be in [1, 65535], got " + masterPort);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new Lora4jException("distributed", "the timeout must be positive, got " + timeout);
        }
    }

    /**
     * The configuration the environment describes, or null when it describes no data-parallel run
     * ({@code WORLD_SIZE} unset). With {@code WORLD_SIZE} set, {@code RANK}, {@code MASTER_ADDR} and
     * {@code MASTER_PORT} are required; {@code LOCAL_RANK} defaults to {@code RANK}.
     *
     * @param env environment variables by name
     * @return the configuration, or null without {@code WORLD_SIZE}
     * @throws Lora4jException when a required variable is missing or malformed
     */
    public static DistributedConfig fromEnvironment(Map<String, String> env) {
        String worldSize = env.get("WORLD_SIZE");
        if (worldSize == null || worldSize.isBlank()) {
            return null;
        }
        int world = integer(env, "WORLD_SIZE");
        int rank = integer(env, "RANK");
        int localRank = env.containsKey("LOCAL_RANK") ? integer(env, "LOCAL_RANK") : rank;
        String addr = env.get("MASTER_ADDR");
        if (addr == null) {
            throw new Lora4jException("distributed", "WORLD_SIZE is set but MASTER_ADDR is not (the host of rank 0)");
        }
        int port = integer(env, "MASTER_PORT");
        Duration timeout = env.containsKey("LORA4J_DIST_TIMEOUT")
                ? Duration.ofMillis(Math.round(1000 * number(env, "LORA4J_DIST_TIMEOUT"))) : DEFAULT_TIMEOUT;
        ProcessGroup.Backend backend = ProcessGroup.Backend.parse(env.getOrDefault("LORA4J_DIST_BACKEND", "gloo"));
        return new DistributedConfig(rank, world, localRank, addr, port, timeout, backend);
    }

    /**
     * {@link #fromEnvironment(Map)} of this process's environment.
     *
     * @return the configuration, or null when {@code WORLD_SIZE} is not set
     */
    public static DistributedConfig fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    private static int integer(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null) {
            throw new Lora4jException("distributed", "WORLD_SIZE is set but " + name + " is not");
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new Lora4jException("distributed", name + " must be an integer, got '" + value + "'");
        }
    }

    private static double number(Map<String, String> env, String name) {
        String value = env.get(name);
        try {
            return Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new Lora4jException("distributed", name + " must be a number of seconds, got '" + value + "'");
        }
    }
}
