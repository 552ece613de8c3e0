package dev.lora4j.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The lora4j command line: one subcommand per job. */
@Command(name = "lora4j", mixinStandardHelpOptions = true, version = "lora4j 0.1.0",
        description = "Fine-tune T5-family encoder-decoders with LoRA from Java, over libtorch.",
        subcommands = {FinetuneCommand.class, EvalCommand.class, SummarizeCommand.class, MergeCommand.class,
                TokenizeCommand.class, ScoreCommand.class, InfoCommand.class, LinearDemoCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new Main())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println(cmd.getColorScheme().errorText("error: " + e.getMessage()));
                    return 1;
                })
                .execute(args);
        System.exit(code);
    }
}
