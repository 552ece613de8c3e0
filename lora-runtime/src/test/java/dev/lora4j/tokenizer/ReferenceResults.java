package dev.lora4j.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** One reference job's output (see reference.py): ids and decoded texts per corpus string. */
final class ReferenceResults {
    private final int[][] ids;
    private final String[][] decodes;

    private ReferenceResults(int[][] ids, String[][] decodes) {
        this.ids = ids;
        this.decodes = decodes;
    }

    static ReferenceResults read(Path file) {
        try {
            ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[4];
            in.get(magic);
            if (!new String(magic, StandardCharsets.US_ASCII).equals("L4JT")) {
                throw new IllegalStateException(file + " is not a reference result file");
            }
            int count = in.getInt();
            int perString = in.getInt();
            int[][] ids = new int[count][];
            String[][] decodes = new String[count][perString];
            for (int i = 0; i < count; i++) {
                ids[i] = new int[in.getInt()];
                in.asIntBuffer().get(ids[i]);
                in.position(in.position() + 4 * ids[i].length);
                for (int k = 0; k < perString; k++) {
                    byte[] text = new byte[in.getInt()];
                    in.get(text);
                    decodes[i][k] = new String(text, StandardCharsets.UTF_8);
                }
            }
            return new ReferenceResults(ids, decodes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int size() {
        return ids.length;
    }

    int[] ids(int i) {
        return ids[i];
    }

    /** The k-th decoding the job wrote for string i (which one is which depends on the job kind). */
    String decoded(int i, int k) {
        return decodes[i][k];
    }
}
