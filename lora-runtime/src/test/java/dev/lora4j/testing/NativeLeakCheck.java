package dev.lora4j.testing;

import dev.lora4j.tensor.NativeLibrary;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test whose native tensors, generators or optimizers are not all freed when it ends: every
 * test that runs ops proves the live-handle counts return to where they were. Registered for every
 * test class automatically (JUnit's extension autodetection, enabled in junit-platform.properties, with
 * this class in META-INF/services), so no test can forget it. A test that runs no native op loads the
 * library once, to read the counts.
 */
public final class NativeLeakCheck implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NativeLeakCheck.class);

    record Counts(long tensors, long generators, long optimizers) {
        static Counts now() {
            return new Counts(NativeLibrary.liveTensors(), NativeLibrary.liveGenerators(), NativeLibrary.liveOptimizers());
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("before", Counts.now());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Counts before = context.getStore(NS).get("before", Counts.class);
        Counts after = Counts.now();
        if (!before.equals(after)) {
            throw new AssertionError("native handles leaked by " + context.getDisplayName() + ": before " + before
                    + ", after " + after);
        }
    }
}
