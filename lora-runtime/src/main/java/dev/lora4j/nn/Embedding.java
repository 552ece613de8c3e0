package dev.lora4j.nn;

import dev.lora4j.tensor.Functional;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Tensor;
import java.util.Arrays;

/** A lookup table: integer ids of any shape (...) → rows of weight (num_embeddings, dim), (..., dim). */
public class Embedding extends Module {
    private final Tensor weight; // (num_embeddings, dim)

    /** Takes ownership of weight (num_embeddings, dim). */
    public Embedding(Tensor weight) {
        if (weight.dim() != 2) {
            throw new Lora4jException("embedding", "weight must be (num_embeddings, dim), got "
                    + Arrays.toString(weight.shape()));
        }
        this.weight = registerParameter("weight", weight);
    }

    public Tensor weight() {
        return weight;
    }

    /** ids (...) int64 → (..., dim) in the weight's dtype. */
    public Tensor forward(Tensor ids) {
        return Functional.embedding(weight, ids);
    }
}
