package dev.lora4j.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Regroups flattened multi-reference data: the Hugging Face DialogSum test split repeats each dialogue once
 * per reference summary (1,500 rows for 500 dialogues). Multi-reference ROUGE needs one example per
 * dialogue with all its summaries.
 */
public final class ReferenceGrouping {
    private ReferenceGrouping() {}

    /**
     * Merges examples whose dialogue text is identical into one, in order of first appearance. The merged
     * example keeps the first row's id and topic and collects every row's summaries in file order.
     *
     * @param examples the rows, in file order
     * @return a new list with one example per distinct dialogue
     */
    public static List<DialogueExample> byDialogue(List<DialogueExample> examples) {
        Map<String, List<DialogueExample>> groups = new LinkedHashMap<>();
        for (DialogueExample example : examples) {
            groups.computeIfAbsent(example.dialogue(), dialogue -> new ArrayList<>()).add(example);
        }
        List<DialogueExample> merged = new ArrayList<>(groups.size());
        for (List<DialogueExample> group : groups.values()) {
            DialogueExample first = group.getFirst();
            List<String> summaries = new ArrayList<>();
            for (DialogueExample example : group) {
                summaries.addAll(example.summaries());
            }
            merged.add(new DialogueExample(first.id(), first.dialogue(), summaries, first.topic()));
        }
        return merged;
    }
}
