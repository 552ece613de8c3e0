package dev.lora4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every public top-level type of the library says what it is for (issue 15, item 6): a javadoc comment
 * whose first sentence is there. javadoc's own "missing" check also wants every member's @param and
 * @return, which the build leaves off (docs/EMBEDDING.md); this keeps the type-level rule from eroding.
 */
class PublicTypesDocumentedTest {
    private static final Pattern PUBLIC_TYPE =
            Pattern.compile("^public (final |abstract |sealed |non-sealed )*(class|record|interface|enum|@interface) .*");

    @Test
    void everyPublicTopLevelTypeHasAJavadocSentence() throws IOException {
        Path sources = Path.of(System.getProperty("lora4j.repo.root", ".."), "lora-runtime", "src", "main", "java");
        assertTrue(Files.isDirectory(sources), sources.toString());
        List<String> undocumented = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    if (PUBLIC_TYPE.matcher(lines.get(i)).matches()) {
                        checked++;
                        if (!hasJavadocSentence(lines, i)) {
                            undocumented.add(sources.relativize(file) + ":" + (i + 1));
                        }
                    }
                }
            }
        }
        assertTrue(checked > 100, "found only " + checked + " public types under " + sources);
        assertEquals(List.of(), undocumented, "public types without a javadoc sentence");
    }

    /** The comment above line {@code at} (annotations skipped) is a javadoc comment with some text. */
    private static boolean hasJavadocSentence(List<String> lines, int at) {
        int i = at - 1;
        while (i >= 0 && (lines.get(i).isBlank() || lines.get(i).startsWith("@"))) {
            i--;
        }
        if (i < 0 || !lines.get(i).strip().endsWith("*/")) {
            return false;
        }
        StringBuilder text = new StringBuilder();
        for (; i >= 0; i--) {
            String line = lines.get(i).strip();
            text.insert(0, line + " ");
            if (line.startsWith("/**")) {
                String body = text.toString().replace("/**", "").replace("*/", "").replace("*", "").strip();
                return !body.isEmpty() && !body.startsWith("@");
            }
            if (line.startsWith("/*")) {
                return false;  // a plain comment, not javadoc
            }
        }
        return false;
    }
}
