package dev.lora4j.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The lora4j command line: one subcommand per job. */
@Command(name = "lora4j", mixinStandardHelpOptions = true, version = "lora4j 0.1.0",
        description = "Fine-tune T5-family encoder-decoders with LoRA from Java, over libtorch.",
        subcommands = {FinetuneCommand.class, LaunchCommand.class, EvalCommand.class, SummarizeCommand.class, MergeCommand.class,
                TokenizeCommand.class, ScoreCommand.class, InfoCommand.class, DownloadCommand.class, DemoCommand.class, LinearDemoCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "On failure, print the stack trace after the error line.")
    boolean debug;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with lora4j's error handling: a failure prints one line naming the problem (see
     * {@link ErrorReport}) and exits 1; the stack trace is shown only with --debug (or LORA4J_DEBUG=1).
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        MethodOptions.install(cli.getSubcommands().get("finetune").getCommandSpec());
        // `launch --nproc 2 finetune --model ...`: everything from the worker's command on is its own.
        cli.getSubcommands().get("launch").setStopAtPositional(true);
        return cli
                // picocli hands only Exceptions to the handler; an OutOfMemoryError (a huge input) or a
                // StackOverflowError would escape with a bare stack trace, so they are wrapped.
                .setExecutionStrategy(parsed -> {
                    try {
                        return new CommandLine.RunLast().execute(parsed);
                    } catch (VirtualMachineError e) {
                        throw new CommandLine.ExecutionException(lastCommand(parsed), "", e);
                    }
                })
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println(cmd.getColorScheme().errorText("error: " + ErrorReport.describe(e)));
                    if (debug(parsed) || "1".equals(System.getenv("LORA4J_DEBUG"))) {
                        e.printStackTrace(cmd.getErr());
                    }
                    return 1;
                });
    }

    private static CommandLine lastCommand(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult p = parsed;
        while (p.subcommand() != null) {
            p = p.subcommand();
        }
        return p.commandSpec().commandLine();
    }

    private static boolean debug(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }
}
