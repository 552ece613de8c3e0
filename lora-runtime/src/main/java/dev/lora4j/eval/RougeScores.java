package dev.lora4j.eval;

import dev.lora4j.Lora4jException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The scores of one prediction, one per requested ROUGE type, in the order the types were requested.
 *
 * @param byType each computed type's score, in request order
 */
public record RougeScores(Map<RougeType, Score> byType) {

    /** Copies the map into an unmodifiable one that keeps its order. */
    public RougeScores {
        byType = Collections.unmodifiableMap(new LinkedHashMap<>(byType));
    }

    /**
     * The score of {@code type}; it must be one of the scorer's types.
     *
     * @param type the ROUGE type
     * @return that type's precision, recall and F1
     * @throws dev.lora4j.Lora4jException when the type was not computed
     */
    public Score get(RougeType type) {
        Score score = byType.get(type);
        if (score == null) {
            throw new Lora4jException("rouge", type + " was not computed (types: " + byType.keySet() + ")");
        }
        return score;
    }
}
