package dev.lora4j.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which files of a repository to fetch. By default, what lora4j needs to load a T5-family model: the
 * configs, the safetensors weights (with the shard index), and the tokenizer files, at the repository's top
 * level only (so checkpoints or ONNX exports in subfolders are not fetched). Include patterns replace the
 * defaults; exclude patterns then remove files. Patterns have huggingface_hub's meaning (see
 * {@link GlobPattern}).
 */
public final class FileSelection {
    /** The default selection for T5 / FLAN-T5 repositories. */
    public static final List<String> T5_DEFAULTS = List.of(
            "config.json", "generation_config.json", "*.safetensors", "model.safetensors.index.json",
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "spiece.model");

    /** Weight formats lora4j cannot read; a repository offering only these is refused under the defaults. */
    private static final List<String> OTHER_WEIGHT_SUFFIXES = List.of(".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack");

    private final List<String> include;
    private final List<String> exclude;
    private final boolean defaults;
    private final List<GlobPattern> includePatterns;
    private final List<GlobPattern> excludePatterns;

    private FileSelection(List<String> include, List<String> exclude, boolean defaults) {
        this.include = List.copyOf(include);
        this.exclude = List.copyOf(exclude);
        this.defaults = defaults;
        this.includePatterns = this.include.stream().map(GlobPattern::new).toList();
        this.excludePatterns = this.exclude.stream().map(GlobPattern::new).toList();
    }

    /**
     * The T5 defaults ({@link #T5_DEFAULTS}, top level only), excluding nothing.
     *
     * @return the default selection
     */
    public static FileSelection defaults() {
        return new FileSelection(T5_DEFAULTS, List.of(), true);
    }

    /**
     * The given patterns; an empty (or null) include list means the T5 defaults.
     *
     * @param include the patterns of files to take; null or empty for the T5 defaults
     * @param exclude the patterns of files to leave out of those; null for none
     * @return the selection
     */
    public static FileSelection of(List<String> include, List<String> exclude) {
        List<String> ex = exclude == null ? List.of() : exclude;
        if (include == null || include.isEmpty()) {
            return new FileSelection(T5_DEFAULTS, ex, true);
        }
        return new FileSelection(include, ex, false);
    }

    /**
     * The include patterns.
     *
     * @return an unmodifiable list of patterns; {@link #T5_DEFAULTS} when the defaults are used
     */
    public List<String> include() {
        return include;
    }

    /**
     * The exclude patterns.
     *
     * @return an unmodifiable list of patterns, possibly empty
     */
    public List<String> exclude() {
        return exclude;
    }

    /**
     * Whether the include side is the T5 defaults.
     *
     * @return true when no include patterns were given
     */
    public boolean usesDefaults() {
        return defaults;
    }

    /**
     * The listed files this selection takes, in listing order. Throws when nothing matches, or when the
     * defaults find no safetensors weights although the repository has weights in another format.
     *
     * @param listing the revision's listing
     * @return the selected files, in listing order; never empty
     * @throws HubException when no file matches, or the defaults find only weights in formats other than
     *     safetensors
     */
    public List<RepoFile> select(RepoListing listing) {
        List<RepoFile> selected = new ArrayList<>();
        for (RepoFile file : listing.files()) {
            if (included(file.path()) && excludePatterns.stream().noneMatch(p -> p.matches(file.path()))) {
                selected.add(file);
            }
        }
        String where = listing.repo() + "@" + listing.revision();
        if (defaults) {
            boolean hasSafetensors = selected.stream().anyMatch(f -> f.path().endsWith(".safetensors"));
            List<String> otherWeights = listing.files().stream().map(RepoFile::path)
                    .filter(p -> p.indexOf('/') < 0 && OTHER_WEIGHT_SUFFIXES.stream().anyMatch(s -> p.toLowerCase(Locale.ROOT).endsWith(s)))
                    .toList();
            if (!hasSafetensors && !otherWeights.isEmpty()) {
                throw new HubException(where + " has no safetensors weights, only " + otherWeights
                        + "; lora4j reads safetensors only (PyTorch .bin files are pickles that can run code when loaded)."
                        + " Pick a repository revision with model.safetensors (many have one under refs/pr/...), or pass"
                        + " --include patterns naming the files if you really want them");
            }
        }
        if (selected.isEmpty()) {
            throw new HubException("no file of " + where + " matches include " + include
                    + (exclude.isEmpty() ? "" : " minus exclude " + exclude) + "; the revision has: " + preview(listing));
        }
        return selected;
    }

    private boolean included(String path) {
        if (defaults && path.indexOf('/') >= 0) {
            return false;
        }
        return includePatterns.stream().anyMatch(p -> p.matches(path));
    }

    private static String preview(RepoListing listing) {
        List<String> names = listing.files().stream().map(RepoFile::path).limit(20).toList();
        return names.isEmpty() ? "no files" : String.join(", ", names) + (listing.files().size() > 20 ? ", …" : "");
    }

    @Override
    public String toString() {
        return (defaults ? "T5 defaults " : "include ") + include + (exclude.isEmpty() ? "" : " exclude " + exclude);
    }
}
