package dev.lora4j.nn;

import dev.lora4j.tensor.Functional;
import dev.lora4j.Lora4jException;
import dev.lora4j.tensor.Tensor;
import java.util.Arrays;

/** A lookup table: integer ids of any shape (...) → rows of weight (num_embeddings, dim), (..., dim). */
public class Embedding extends Module {
    private final Tensor weight; // (num_embeddings, dim)

    /**
     * Takes ownership of weight (num_embeddings, dim).
     *
     * @param weight the table (num_embeddings, dim), registered as parameter {@code weight}; closed with this
     *     module
     * @throws Lora4jException if weight is not two-dimensional
     */
    public Embedding(Tensor weight) {
        if (weight.dim() != 2) {
            throw new Lora4jException("embedding", "weight must be (num_embeddings, dim), got "
                    + Arrays.toString(weight.shape()));
        }
        this.weight = registerParameter("weight", weight);
    }

    /**
     * The table this embedding looks up.
     *
     * @return the weight (num_embeddings, dim), still owned by this module
     */
    public Tensor weight() {
        return weight;
    }

    /**
     * Looks up the rows of the given ids.
     *
     * @param ids int64 ids of any shape (...), each in [0, num_embeddings)
     * @return a new tensor (..., dim) in the weight's dtype
     */
    public Tensor forward(Tensor ids) {
        return Functional.embedding(weight, ids);
    }
}
