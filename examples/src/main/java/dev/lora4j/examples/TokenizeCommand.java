package dev.lora4j.examples;

import dev.lora4j.Lora4jException;
import dev.lora4j.tokenizer.ByT5Tokenizer;
import dev.lora4j.tokenizer.EncodeOptions;
import dev.lora4j.tokenizer.T5Tokenizer;
import dev.lora4j.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Token ids for text (one line of ids per input), token pieces with --pieces, or text for ids with --decode. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Print token ids for each text argument (or each line of stdin); --decode turns ids back into text.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--tokenizer", required = true, paramLabel = "PATH|byt5",
            description = "Model or tokenizer directory, tokenizer.json, spiece.model, or 'byt5'.")
    String tokenizer;

    @Option(names = "--tokenizer-compat", paramLabel = "MODE", defaultValue = "file",
            description = "file (default) or transformers5; see docs/TOKENIZER.md.", converter = ModelOptions.CompatConverter.class)
    ModelOptions.Compat compat = ModelOptions.Compat.FILE;

    @Option(names = "--pieces", description = "Print the token pieces instead of ids.")
    boolean pieces;

    @Option(names = "--no-special", description = "Do not append </s>.")
    boolean noSpecial;

    @Option(names = "--max-length", paramLabel = "N", description = "Truncate to N tokens (keeping </s>).")
    Integer maxLength;

    @Option(names = "--decode", description = "Inputs are space-separated ids: print their text.")
    boolean decode;

    @Option(names = "--keep-special", description = "With --decode: keep special tokens in the text.")
    boolean keepSpecial;

    @Parameters(paramLabel = "TEXT", arity = "0..*", description = "Texts; none reads lines from standard input.")
    List<String> texts = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        Tokenizer tok = load();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        List<String> inputs = texts;
        if (inputs.isEmpty()) {
            inputs = new ArrayList<>();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                inputs.add(line);
            }
        }
        EncodeOptions.Builder options = EncodeOptions.builder().addSpecialTokens(!noSpecial);
        if (maxLength != null) {
            options.truncateTo(maxLength);
        }
        EncodeOptions encodeOptions = options.build();
        for (String text : inputs) {
            if (decode) {
                out.println(tok.decode(parseIds(text, tok.vocabSize()), !keepSpecial));
            } else if (pieces) {
                int[] ids = tok.encode(text, encodeOptions);
                List<String> names = new ArrayList<>();
                for (int id : ids) {
                    names.add(tok.idToToken(id).orElse("<" + id + ">"));
                }
                out.println(String.join(" ", names));
            } else {
                int[] ids = tok.encode(text, encodeOptions);
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < ids.length; i++) {
                    line.append(i == 0 ? "" : " ").append(ids[i]);
                }
                out.println(line);
            }
        }
        return 0;
    }

    private Tokenizer load() {
        if (tokenizer.toLowerCase(Locale.ROOT).equals("byt5")) {
            return ByT5Tokenizer.create();
        }
        Path path = Path.of(tokenizer);
        return compat == ModelOptions.Compat.TRANSFORMERS5
                ? T5Tokenizer.load(path, T5Tokenizer.Compatibility.TRANSFORMERS_5)
                : T5Tokenizer.load(path);
    }

    static int[] parseIds(String line, int vocabSize) {
        String[] parts = line.strip().split("[\\s,]+");
        if (parts.length == 1 && parts[0].isEmpty()) {
            return new int[0];
        }
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new Lora4jException("cli", "--decode expects integer ids, got \"" + parts[i] + "\"");
            }
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new Lora4jException("cli", "token id " + ids[i] + " is outside the vocabulary (0.." + (vocabSize - 1) + ")");
            }
        }
        return ids;
    }
}
