package dev.lora4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lora4j.Lora4jException;
import dev.lora4j.io.SafetensorsFile;
import dev.lora4j.io.TensorFiles;
import dev.lora4j.testing.PythonReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LSTM op (libtorch's at::lstm through the shim) against torch.nn.LSTM: a 2-layer bidirectional LSTM
 * in float64, output and the gradients of x and every parameter within 1e-10; bad parameter lists are
 * refused with a message.
 */
class LstmOpTest {
    private static final Path SCRIPT = Path.of(System.getProperty("lora4j.repo.root", "."),
            "lora-runtime/src/test/python/lstm_reference.py");

    @Test
    void matchesTorchLstmForwardAndBackward(@TempDir Path dir) {
        Path file = dir.resolve("lstm.safetensors");
        String[] names = PythonReference.runFile(SCRIPT, file.toString()).strip().split(",");
        try (Scope scope = Scope.open(); SafetensorsFile ref = SafetensorsFile.open(file)) {
            Tensor x = TensorFiles.read(ref, "x", Device.CPU, null).requiresGrad(true);
            List<Tensor> params = new ArrayList<>();
            for (String name : names) {
                params.add(TensorFiles.read(ref, "p." + name, Device.CPU, null).requiresGrad(true));
            }
            Tensor out = Functional.lstm(x, params, 2, true, 0.0, true);
            assertArrayEquals(TensorFiles.read(ref, "out", Device.CPU, null).toDoubleArray(), out.toDoubleArray(), 1e-10, "output");
            out.backward(TensorFiles.read(ref, "dy", Device.CPU, null), false);
            assertArrayEquals(TensorFiles.read(ref, "dx", Device.CPU, null).toDoubleArray(), x.grad().toDoubleArray(), 1e-10, "dx");
            for (int i = 0; i < names.length; i++) {
                assertArrayEquals(TensorFiles.read(ref, "g." + names[i], Device.CPU, null).toDoubleArray(),
                        params.get(i).grad().toDoubleArray(), 1e-10, "gradient of " + names[i]);
            }
            Lora4jException e = assertThrows(Lora4jException.class,
                    () -> Functional.lstm(x, params.subList(0, 5), 2, true, 0.0, false));
            assertTrue(e.getMessage().contains("expected 16 parameters"), e.getMessage());
        }
    }
}
