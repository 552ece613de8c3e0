package dev.lora4j.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lora4j.hub.DownloadListener;
import dev.lora4j.hub.DownloadReport;
import dev.lora4j.hub.FileResult;
import dev.lora4j.hub.FileSelection;
import dev.lora4j.hub.HubClient;
import dev.lora4j.hub.HubDownloader;
import dev.lora4j.hub.HubSettings;
import dev.lora4j.hub.RepoFile;
import dev.lora4j.hub.RepoListing;
import dev.lora4j.io.StrictJson;
import dev.lora4j.Lora4jException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Fetches a model repository from the Hugging Face Hub into a plain directory: resumable (an interrupted run
 * continues where it stopped), verified (every file against the hash the hub publishes), and a no-op when the
 * directory is already complete. See docs/DOWNLOAD.md.
 */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = "Download a model from the Hugging Face Hub (resumable, every file hash-verified).",
        footer = {"", "Environment: HF_TOKEN (token), HF_ENDPOINT (hub URL), HF_HUB_OFFLINE=1 (refuse network access)."})
final class DownloadCommand implements Callable<Integer> {
    /** Files smaller than this finish too fast for a progress bar to say anything. */
    private static final long BAR_THRESHOLD = 1 << 20;

    @Parameters(index = "0", paramLabel = "REPO", description = "Repository id, e.g. google/flan-t5-small.")
    String repo;

    @Option(names = "--dir", paramLabel = "DIR", description = "Target directory (default models/<repository name>).")
    Path dir;

    @Option(names = "--revision", defaultValue = "main", description = "Branch, tag or commit (default ${DEFAULT-VALUE}).")
    String revision;

    @Option(names = "--endpoint", paramLabel = "URL", description = "Hub URL (default $HF_ENDPOINT, else https://huggingface.co).")
    String endpoint;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Access token for private or gated repositories (default $HF_TOKEN, else the huggingface-cli login file).")
    String token;

    @Option(names = "--include", paramLabel = "GLOB", split = ",",
            description = "Only files matching these patterns (replaces the T5 defaults: configs, *.safetensors, tokenizer files).")
    List<String> include;

    @Option(names = "--exclude", paramLabel = "GLOB", split = ",", description = "Skip files matching these patterns.")
    List<String> exclude;

    @Override
    public Integer call() {
        HubSettings settings = HubSettings.fromEnvironment(endpoint, token);
        Path target = dir != null ? dir : Path.of("models", repo.substring(repo.lastIndexOf('/') + 1));
        FileSelection selection = FileSelection.of(include, exclude);
        System.out.printf("lora4j download: %s@%s from %s into %s (token: %s)%n", repo, revision, settings.endpoint(), target,
                settings.tokenSource());
        DownloadReport report;
        try (HubClient client = new HubClient(settings); ConsoleProgress progress = new ConsoleProgress(System.out)) {
            report = new HubDownloader(client).download(repo, revision, target, selection, progress);
        } catch (IOException e) {
            throw new Lora4jException("download", "cannot write into " + target.toAbsolutePath() + ": " + e, e);
        }
        printSummary(report);
        printModelType(report.dir());
        return 0;
    }

    private static void printSummary(DownloadReport report) {
        if (report.upToDate()) {
            System.out.printf("up to date: all %d files already present and verified, nothing transferred (commit %s)%n",
                    report.files().size(), report.commit());
            return;
        }
        System.out.printf("done: %d fetched (%d resumed), %d already present; %s transferred; commit %s%n",
                report.fetched(), report.resumed(), report.skipped(), bytes(report.bytesTransferred()), report.commit());
        System.out.printf("model directory: %s (%s)%n", report.dir(), bytes(report.totalBytes()));
    }

    private static void printModelType(Path dir) {
        Path config = dir.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            return;
        }
        try {
            JsonNode root = StrictJson.parse(Files.readString(config));
            JsonNode type = root.get("model_type");
            JsonNode architectures = root.get("architectures");
            String arch = architectures != null && architectures.isArray() && !architectures.isEmpty()
                    ? " (" + architectures.get(0).asText() + ")" : "";
            System.out.println("model type: " + (type != null && type.isTextual() ? type.textValue() : "unknown (no model_type)") + arch);
        } catch (IOException e) {
            System.out.println("model type: unknown (config.json does not parse: " + e.getMessage() + ")");
        }
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = n;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** One line per file on stdout; a progress bar (on stderr) while a large file downloads; retries as warnings. */
    private static final class ConsoleProgress implements DownloadListener, AutoCloseable {
        private final PrintStream out;
        private ProgressBar bar;
        private int width;

        ConsoleProgress(PrintStream out) {
            this.out = out;
        }

        @Override
        public void listed(RepoListing listing, List<RepoFile> selected) {
            long total = selected.stream().mapToLong(RepoFile::size).sum();
            out.printf("commit %s: %d files selected, %s%n", listing.commit(), selected.size(), bytes(total));
            width = selected.stream().mapToInt(f -> f.path().length()).max().orElse(0);
        }

        @Override
        public void checkingExisting(RepoFile file) {
            if (file.size() >= BAR_THRESHOLD) {
                out.printf("  checking  %s (already there: verifying its hash)%n", file.path());
            }
        }

        @Override
        public void fileStarted(RepoFile file, long resumeFrom) {
            closeBar();
            if (file.size() >= BAR_THRESHOLD) {
                bar = new ProgressBarBuilder()
                        .setTaskName(file.fileName())
                        .setInitialMax(file.size())
                        .setStyle(ProgressBarStyle.ASCII)
                        .setUnit("MiB", 1 << 20)
                        .showSpeed()
                        .startsFrom(resumeFrom, Duration.ZERO)
                        .build();
            }
        }

        @Override
        public void fileProgress(RepoFile file, long bytesOnDisk, long total) {
            if (bar != null) {
                bar.stepTo(bytesOnDisk);
            }
        }

        @Override
        public void fileDone(FileResult result) {
            closeBar();
            String what = switch (result.outcome()) {
                case DOWNLOADED -> "fetched ";
                case RESUMED -> "resumed ";
                case ALREADY_PRESENT -> "present ";
            };
            String detail = switch (result.outcome()) {
                case DOWNLOADED -> bytes(result.file().size());
                case RESUMED -> bytes(result.file().size()) + ", continued from " + bytes(result.resumedFrom());
                case ALREADY_PRESENT -> bytes(result.file().size()) + ", verified";
            };
            out.printf("  %s  %-" + Math.max(1, width) + "s  %s%n", what, result.file().path(), detail);
        }

        @Override
        public void retrying(String what, int nextAttempt, int maxAttempts, Duration delay, String reason) {
            if (bar != null) {
                bar.pause();
            }
            System.err.printf("warning: %s: %s; try %d of %d in %d s%n", what, reason, nextAttempt, maxAttempts, delay.toSeconds());
            if (bar != null) {
                bar.resume();
            }
        }

        private void closeBar() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }

        @Override
        public void close() {
            closeBar();
        }
    }
}
