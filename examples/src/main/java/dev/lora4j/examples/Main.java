package dev.lora4j.examples;

import dev.lora4j.tensor.Lora4jException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The lora4j command line: one subcommand per job. */
@Command(name = "lora4j", mixinStandardHelpOptions = true, version = "lora4j 0.1.0",
        description = "Fine-tune T5-family encoder-decoders with LoRA from Java, over libtorch.",
        subcommands = {FinetuneCommand.class, EvalCommand.class, SummarizeCommand.class, MergeCommand.class,
                TokenizeCommand.class, ScoreCommand.class, InfoCommand.class, DownloadCommand.class, DemoCommand.class, LinearDemoCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with lora4j's error handling: a failure prints one line naming the problem and
     * exits 1; the stack trace is shown only with LORA4J_DEBUG=1 (or for errors that are bugs here).
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        MethodOptions.install(cli.getSubcommands().get("finetune").getCommandSpec());
        return cli
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    boolean expected = e instanceof Lora4jException || e instanceof java.io.IOException
                            || e instanceof java.io.UncheckedIOException;
                    String message = expected ? e.getMessage() : e.getClass().getName() + ": " + e.getMessage();
                    cmd.getErr().println(cmd.getColorScheme().errorText("error: " + message));
                    if (!expected || "1".equals(System.getenv("LORA4J_DEBUG"))) {
                        e.printStackTrace(cmd.getErr());
                    }
                    return 1;
                });
    }
}
