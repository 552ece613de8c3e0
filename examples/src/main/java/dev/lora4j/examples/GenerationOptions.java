package dev.lora4j.examples;

import dev.lora4j.data.SummarizationPrompt;
import dev.lora4j.t5.GenerationConfig;
import picocli.CommandLine.Option;

/** The prompt, source length and decoding settings every summarizing command shares. */
final class GenerationOptions {
    @Option(names = "--prompt", paramLabel = "TEMPLATE",
            description = "Prompt with {dialogue} (default: \"Summarize the following conversation.\\n\\n{dialogue}\\n\\nSummary: \").")
    String prompt = SummarizationPrompt.DEFAULT_TEMPLATE;

    @Option(names = "--max-source-length", paramLabel = "N", defaultValue = "512", description = "Source tokens (default: ${DEFAULT-VALUE}).")
    int maxSourceLength;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64", description = "Generated summary length (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--beams", paramLabel = "N", defaultValue = "1", description = "Beam search width; 1 = greedy (default: ${DEFAULT-VALUE}).")
    int beams;

    SummarizationPrompt template() {
        return new SummarizationPrompt(prompt);
    }

    GenerationConfig config() {
        OptionChecks.atLeast("--max-source-length", maxSourceLength, 2);
        OptionChecks.atLeast("--max-new-tokens", maxNewTokens, 1);
        OptionChecks.atLeast("--beams", beams, 1);
        return beams == 1 ? GenerationConfig.greedy(maxNewTokens) : GenerationConfig.beams(beams, maxNewTokens);
    }

    String describe() {
        return (beams == 1 ? "greedy, " : beams + " beams, ") + maxNewTokens + " new tokens";
    }
}
