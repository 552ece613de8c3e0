package dev.lora4j.examples;

import dev.lora4j.tensor.Cuda;
import dev.lora4j.tensor.NativeLibrary;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Where the native library and libtorch come from, and what devices they see. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show the native library, libtorch version and devices.")
final class InfoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("native library: " + NativeLibrary.ensureLoaded());
        System.out.println("libtorch:       " + NativeLibrary.torchVersion());
        System.out.println("CPU threads:    " + NativeLibrary.numThreads());
        System.out.println("CUDA devices:   " + Cuda.deviceCount());
        System.out.println("java:           " + Runtime.version());
        return 0;
    }
}
