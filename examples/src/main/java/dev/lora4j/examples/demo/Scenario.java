package dev.lora4j.examples.demo;

import java.util.List;

/**
 * One drawn conversation before it is written out: its family, the pair of facts that decides which
 * split it may go to, the turns (each said by role A, the one the summary is about, or role B) and the
 * reference summary, written with the role placeholders {@code {A}} and {@code {B}}.
 */
record Scenario(ScenarioFamily family, String combination, List<Turn> turns, String summary) {

    /** One turn: who speaks (true for role A) and what they say. */
    record Turn(boolean byA, String text) {}
}
