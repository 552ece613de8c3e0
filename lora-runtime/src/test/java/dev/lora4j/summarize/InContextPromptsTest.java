package dev.lora4j.summarize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.data.DialogueExample;
import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.Lora4jException;
import dev.lora4j.tokenizer.ByT5Tokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

class InContextPromptsTest {
    private static final SummarizationPrompt PROMPT = new SummarizationPrompt("Dialogue: {dialogue}\nSummary: ");
    private static final ByT5Tokenizer BYTES = ByT5Tokenizer.create();
    private static final List<DialogueExample> POOL = List.of(
            example("a", "#Person1#: a fairly long opening line about the weather.", "They talk about the weather."),
            example("b", "#Person1#: Hi.", "They greet."),
            example("c", "#Person1#: Lunch?", "Lunch plan."),
            example("d", "#Person1#: The train leaves at nine tomorrow morning from platform four.", "The train leaves at nine."));

    private static DialogueExample example(String id, String dialogue, String summary) {
        return new DialogueExample(id, dialogue, List.of(summary), "");
    }

    @Test
    void zeroShotIsThePlainPrompt() {
        InContextPrompts prompts = InContextPrompts.of(PROMPT, 0, POOL, BYTES, 512);
        assertEquals(PROMPT.format("#Person2#: Bye."), prompts.source("#Person2#: Bye."));
    }

    @Test
    void shotsAreTheShortestSolvedExamplesBeforeTheQuestion() {
        InContextPrompts prompts = InContextPrompts.of(PROMPT, 2, POOL, BYTES, 512);
        String expected = "Dialogue: #Person1#: Hi.\nSummary: They greet.\n\n\n"
                + "Dialogue: #Person1#: Lunch?\nSummary: Lunch plan.\n\n\n"
                + "Dialogue: #Person2#: Bye.\nSummary: ";
        assertEquals(expected, prompts.source("#Person2#: Bye."));
        assertEquals(2, prompts.shotCount());
    }

    @Test
    void shotsAreDroppedFromTheFrontUntilTheSourceFits() {
        String question = PROMPT.format("#Person2#: Bye.");
        String lastShot = "Dialogue: #Person1#: Lunch?\nSummary: Lunch plan.\n\n\n";
        // Room for the question and exactly one shot (+1 for </s>), not two.
        int limit = BYTES.encode(lastShot + question).length;
        InContextPrompts prompts = InContextPrompts.of(PROMPT, 2, POOL, BYTES, limit);
        assertEquals(lastShot + question, prompts.source("#Person2#: Bye."));
        InContextPrompts tight = InContextPrompts.of(PROMPT, 2, POOL, BYTES, limit - 1);
        assertEquals(question, tight.source("#Person2#: Bye."));
        assertTrue(BYTES.encode(tight.source("#Person2#: Bye.")).length <= limit - 1);
    }

    @Test
    void tooManyShotsOrNegativeCountsAreRefused() {
        assertThrows(Lora4jException.class, () -> InContextPrompts.of(PROMPT, 5, POOL, BYTES, 512));
        assertThrows(Lora4jException.class, () -> InContextPrompts.of(PROMPT, -1, POOL, BYTES, 512));
    }
}
