package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class 5 of issue 14, options silently ignored: LoRA options that disagree with --init-adapter,
 * --modules-to-save naming nothing (or a tied lm_head), and mistyped adapter_config.json fields are
 * errors naming the option or field.
 */
class IgnoredOptionsCliTest extends LiveTensorCheck {
    @TempDir
    Path dir;

    @Test
    void loraOptionsMustAgreeWithTheInitAdapter() throws IOException {
        String init = CliFixtures.adapter().toString();
        CliTest.Run rank = CliTest.run(CliFixtures.finetune(dir.resolve("a"), "--init-adapter", init, "--r", "4"));
        assertEquals(1, rank.code());
        assertTrue(rank.err().contains("--r is 4 but its \"r\" is 8"), rank.err());
        CliTest.Run targets = CliTest.run(CliFixtures.finetune(dir.resolve("b"), "--init-adapter", init, "--targets", "q,k,v"));
        assertEquals(1, targets.code());
        assertTrue(targets.err().contains("--targets is k,q,v but its \"target_modules\" is q,v"), targets.err());
        CliTest.Run same = CliTest.run(CliFixtures.finetune(dir.resolve("c"), "--init-adapter", init, "--r", "8", "--targets", "v,q"));
        assertEquals(0, same.code(), "agreeing options are fine: " + same.err());
    }

    @Test
    void everyTargetNameMustMatchALayer() throws IOException {
        CliTest.Run typo = CliTest.run(CliFixtures.finetune(dir.resolve("a"), "--targets", "q,vv"));
        assertEquals(1, typo.code());
        assertTrue(typo.err().contains("--targets names 'vv', which matches no linear layer"), typo.err());
    }

    @Test
    void modulesToSaveMustNameAModule() throws IOException {
        CliTest.Run none = CliTest.run(CliFixtures.finetune(dir.resolve("a"), "--modules-to-save", "classifier"));
        assertEquals(1, none.code());
        assertTrue(none.err().contains("--modules-to-save names 'classifier', which is no module"), none.err());
        Path tied = CliFixtures.writeConfig(dir.resolve("tied/config.json"), c -> c.put("tie_word_embeddings", true));
        CliTest.Run head = CliTest.run("finetune", "-m", tied.toString(), "--random-init", "--train", CliFixtures.TRAIN.toString(),
                "--limit", "2", "--steps", "1", "--batch-size", "2", "--max-source-length", "32", "--max-target-length", "8",
                "--modules-to-save", "lm_head", "-o", dir.resolve("b").toString());
        assertEquals(1, head.code());
        assertTrue(head.err().contains("names lm_head, but this model's head is tied"), head.err());
    }

    @Test
    void mistypedAdapterConfigFieldsAreNamed() throws IOException {
        Path alpha = CliFixtures.adapterWithConfig(dir.resolve("alpha"), c -> c.put("lora_alpha", "x"));
        CliTest.Run a = CliTest.run("info", "--adapter", alpha.toString());
        assertEquals(1, a.code());
        assertTrue(a.err().contains("field \"lora_alpha\" must be a number, got \"x\" (a string)"), a.err());
        Path rank = CliFixtures.adapterWithConfig(dir.resolve("rank"), c -> c.put("r", 4.5));
        CliTest.Run r = CliTest.run("info", "--adapter", rank.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("field \"r\" must be an integer, got 4.5 (a decimal number)"), r.err());
        Path rslora = CliFixtures.adapterWithConfig(dir.resolve("rslora"), c -> c.put("use_rslora", "yes"));
        CliTest.Run s = CliTest.run("summarize", "-m", CliFixtures.config().toString(), "--random-init", "--adapter", rslora.toString(),
                CliFixtures.TEST.toString(), "--limit", "1");
        assertEquals(1, s.code());
        assertTrue(s.err().contains("field \"use_rslora\" must be true or false"), s.err());
    }
}
