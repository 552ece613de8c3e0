package dev.lora4j.testing;

/**
 * How long each fuzz target fuzzes when run with JAZZER_FUZZ=1 (scripts/fuzz.sh): short, so CI can afford
 * a bounded run of every target. For a longer campaign raise it here (e.g. "30m") and run one target
 * (docs/RELIABILITY.md). Normal test runs do not fuzz: they replay the stored inputs only.
 */
public final class FuzzBudget {
    public static final String PER_TARGET = "5s";

    private FuzzBudget() {}
}
