package dev.lora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class 6 of issue 14, concurrent runs: a finetune run directory held by another process (here a
 * Python process taking the same POSIX lock a second lora4j would) is refused, naming the holder; when
 * the holder goes, the directory is free again.
 */
class RunLockCliTest extends LiveTensorCheck {
    @TempDir
    Path dir;

    @Test
    void aRunDirectoryInUseIsRefusedNamingItsHolder() throws Exception {
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        String python = System.getProperty("lora4j.python", "python3");
        Process holder = new ProcessBuilder(python, "-c", """
                import fcntl, os, sys
                f = open(sys.argv[1], "a+")
                fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                f.truncate(0); f.write("pid %d on testhost, lora4j finetune, since 2026-01-01T00:00:00Z" % os.getpid()); f.flush()
                print("locked", flush=True)
                sys.stdin.read()
                """, run.resolve(".lock").toString()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            CliTest.Run refused = CliTest.run(CliFixtures.finetune(run));
            assertEquals(1, refused.code());
            assertTrue(refused.err().contains(run + " is in use by another lora4j process (pid " + holder.pid() + " on testhost"),
                    refused.err());
            assertTrue(refused.err().contains("choose another --out"), refused.err());
            assertFalse(Files.exists(run.resolve("metrics.jsonl")), "the refused run wrote nothing");
        } finally {
            holder.getOutputStream().close();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        CliTest.Run free = CliTest.run(CliFixtures.finetune(run));
        assertEquals(0, free.code(), free.err());
    }
}
