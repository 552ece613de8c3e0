package dev.lora4j.examples.demo;

import dev.lora4j.data.DialogueExample;
import dev.lora4j.Lora4jException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A seeded generator of short DialogSum-style conversations ("#Person1#: ..." turns, one reference
 * summary, a topic) in several families: planning a meeting, ordering food, booking a trip, returning
 * an item, a doctor's appointment, a job interview. Facts, phrasings, turn orders, small-talk turns and
 * which speaker is #Person1# vary, so a summary must be read out of its dialogue.
 *
 * <p>Held-out examples use fact combinations never seen in training: each family's first two facts
 * (say day and place of a meeting) form a combination, and a seeded hash puts every combination either
 * on the training side or the held-out side. Single facts occur on both sides; their pairing does not.
 */
public final class SyntheticDialogues {
    /** Dialogues longer than this (in UTF-8 bytes, which is what a byte-level model reads) lose their small talk. */
    public static final int MAX_DIALOGUE_BYTES = 350;
    /** The share of combinations kept for validation and test, in percent. */
    private static final int HELD_OUT_PERCENT = 20;

    private static final String[][] OPENINGS = {
        {"Hi!", "Hello."}, {"Hello, how are you?", "Fine, thanks."}, {"Hey there.", "Hi."}, {"Good morning.", "Morning!"}};
    private static final String[][] CLOSINGS = {{"Thanks a lot.", "You're welcome."}, {"Bye.", "Goodbye."},
        {"Thank you.", "My pleasure."}};

    private final long seed;

    public SyntheticDialogues(long seed) {
        this.seed = seed;
    }

    /** Whether a family's combination belongs to the held-out side (validation and test). */
    public boolean isHeldOut(String family, String combination) {
        long h = seed ^ 0x5DEECE66DL;
        for (byte b : (family + "#" + combination).getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ b) * 0x100000001B3L; // FNV-1a step, seeded
        }
        h ^= h >>> 29;
        return Math.floorMod(h, 100) < HELD_OUT_PERCENT;
    }

    /**
     * Draws count examples from one side of the split, each dialogue text distinct from those in
     * seen (which is updated), families in turn. Ids are prefix + "_" + index.
     */
    List<DialogueExample> draw(Random random, int count, boolean heldOut, String prefix, Set<String> seen) {
        ScenarioFamily[] families = ScenarioFamily.values();
        List<DialogueExample> out = new ArrayList<>(count);
        int attempts = 0;
        while (out.size() < count) {
            if (++attempts > 1000 * (count + 10)) {
                throw new Lora4jException("demo data", "cannot draw " + count + " distinct dialogues for " + prefix);
            }
            ScenarioFamily family = families[out.size() % families.length];
            Scenario scenario = family.draw(random);
            if (isHeldOut(family.name(), scenario.combination()) != heldOut) {
                continue;
            }
            DialogueExample example = write(prefix + "_" + out.size(), scenario, random);
            if (seen.add(example.dialogue())) {
                out.add(example);
            }
        }
        return out;
    }

    /**
     * Writes a scenario as a DialogSum example. Small talk may open the conversation, said first by
     * either side, and may close it; #Person1# is whoever speaks first, as in DialogSum, so which role
     * is #Person1# varies. A speaker's consecutive lines are joined into one turn.
     */
    static DialogueExample write(String id, Scenario scenario, Random random) {
        List<Scenario.Turn> withTalk = new ArrayList<>();
        if (random.nextInt(3) == 0) {
            String[] pair = OPENINGS[random.nextInt(OPENINGS.length)];
            boolean openerIsA = random.nextBoolean();
            withTalk.add(new Scenario.Turn(openerIsA, pair[0]));
            withTalk.add(new Scenario.Turn(!openerIsA, pair[1]));
        }
        withTalk.addAll(scenario.turns());
        if (random.nextInt(4) == 0) {
            String[] pair = CLOSINGS[random.nextInt(CLOSINGS.length)];
            boolean closerIsA = !scenario.turns().getLast().byA();
            withTalk.add(new Scenario.Turn(closerIsA, pair[0]));
            withTalk.add(new Scenario.Turn(!closerIsA, pair[1]));
        }
        List<Scenario.Turn> turns = joinRuns(withTalk);
        if (render(turns).getBytes(StandardCharsets.UTF_8).length > MAX_DIALOGUE_BYTES) {
            turns = joinRuns(scenario.turns());
        }
        boolean aIsPerson1 = turns.getFirst().byA();
        String summary = scenario.summary()
                .replace("{A}", aIsPerson1 ? "#Person1#" : "#Person2#")
                .replace("{B}", aIsPerson1 ? "#Person2#" : "#Person1#");
        return new DialogueExample(id, render(turns), List.of(summary), scenario.family().topic());
    }

    /** Joins each run of turns by the same speaker into one turn. */
    private static List<Scenario.Turn> joinRuns(List<Scenario.Turn> turns) {
        List<Scenario.Turn> out = new ArrayList<>();
        for (Scenario.Turn t : turns) {
            if (!out.isEmpty() && out.getLast().byA() == t.byA()) {
                out.set(out.size() - 1, new Scenario.Turn(t.byA(), out.getLast().text() + " " + t.text()));
            } else {
                out.add(t);
            }
        }
        return out;
    }

    /** Lines "#PersonN#: text", #Person1# being the first speaker. */
    private static String render(List<Scenario.Turn> turns) {
        boolean aIsPerson1 = turns.getFirst().byA();
        StringBuilder sb = new StringBuilder();
        for (Scenario.Turn turn : turns) {
            if (!sb.isEmpty()) {
                sb.append('\n');
            }
            sb.append(turn.byA() == aIsPerson1 ? "#Person1#: " : "#Person2#: ").append(turn.text());
        }
        return sb.toString();
    }
}
