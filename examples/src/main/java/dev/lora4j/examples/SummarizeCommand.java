package dev.lora4j.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lora4j.data.DataUse;
import dev.lora4j.data.DialogueExample;
import dev.lora4j.io.FiniteCheck;
import dev.lora4j.peft.PeftModel;
import dev.lora4j.summarize.Summarizer;
import dev.lora4j.t5.GenerationConfig;
import dev.lora4j.t5.T5ForConditionalGeneration;
import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Summarizes dialogues: a plain-text file (or standard input) is one dialogue and its summary is printed;
 * a data file (.jsonl, .csv, .json or --format) gives one JSON line {"id", "summary"} per dialogue.
 */
@Command(name = "summarize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Summarize a dialogue (text file or stdin) or every dialogue of a data file, optionally with an adapter.")
final class SummarizeCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "INPUT", description = "Text or data file; '-' or nothing reads standard input.")
    String input;

    @Option(names = "--adapter", paramLabel = "DIR", description = "An adapter directory (any method) to apply to --model.")
    Path adapter;

    @Option(names = "--output", paramLabel = "FILE", description = "Write here instead of standard output.")
    Path output;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "16", description = "Generation batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    GenerationOptions generationOptions;

    @Mixin
    DataOptions dataOptions;

    @Override
    public Integer call() throws IOException {
        modelOptions.check(System.err);
        GenerationConfig generation = generationOptions.config();
        OptionChecks.atLeast("--batch-size", batchSize, 1);
        boolean stdin = input == null || input.equals("-");
        if (output != null) {
            if (Files.isDirectory(output)) {
                throw new Lora4jException("cli", "--output " + output + " is a directory: name a file");
            }
            Map<String, Path> inputs = new LinkedHashMap<>();
            inputs.put("INPUT", stdin ? null : Path.of(input));
            inputs.put("--model", modelOptions.model);
            inputs.put("--adapter", adapter);
            OutputPaths.refuseInputs("--output", output, inputs);
        }
        if (adapter != null) {
            PeftModel.readConfig(adapter); // inputs are checked before the dialogues are read
            FiniteCheck.directory(adapter);
        }
        boolean dataFile = !stdin && (!dataOptions.format.equals("auto") || isDataFileName(input));
        List<DialogueExample> examples;
        if (dataFile) {
            examples = dataOptions.read(Path.of(input), DataUse.GENERATE, System.err);
        } else {
            String text = stdin ? TextInput.read(System.in, "standard input") : TextInput.read(Path.of(input));
            if (text.isBlank()) {
                throw new Lora4jException("cli", (stdin ? "standard input" : input) + " holds no dialogue");
            }
            examples = List.of(new DialogueExample("input", text.strip(), List.of(), null));
        }
        List<String> summaries;
        try (T5ForConditionalGeneration model = modelOptions.loadModel()) {
            if (adapter != null) {
                PeftModel.load(model, adapter, 0);
            }
            Summarizer summarizer = new Summarizer(model, modelOptions.loadTokenizer(), generationOptions.template(),
                    generationOptions.maxSourceLength, generation, batchSize);
            List<String> dialogues = new ArrayList<>();
            examples.forEach(e -> dialogues.add(e.dialogue()));
            summaries = summarizer.summarize(dialogues);
        }
        StringBuilder text = new StringBuilder();
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < summaries.size(); i++) {
            if (dataFile) {
                text.append(json.createObjectNode().put("id", examples.get(i).id()).put("summary", summaries.get(i))).append('\n');
            } else {
                text.append(summaries.get(i)).append('\n');
            }
        }
        if (output != null) {
            OutputFiles.writeString(output, text.toString());
        } else {
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            out.print(text);
            out.flush();
        }
        return 0;
    }

    private static boolean isDataFileName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".jsonl") || n.endsWith(".csv") || n.endsWith(".json");
    }
}
