package dev.stylegrad.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A weights file opened for selective reading. Opening reads and validates only metadata (names, dtypes, shapes and
 * where each tensor's bytes are); tensor data is read on demand, one tensor at a time. Readers hold an open file
 * channel: close them. Reading concurrently from several threads is safe (positional reads only).
 */
public interface WeightsReader extends Closeable {
    /** The file this reader reads. */
    Path file();

    /** "pytorch-zip", "pytorch-legacy" or "safetensors". */
    String format();

    /** Every tensor, in file order: state-dict order for PyTorch files, data order for safetensors. */
    List<TensorInfo> tensors();

    /**
     * Reads one tensor as a new C-order float32 INDArray of its shape, reading only that tensor's bytes. Storage
     * offsets and non-contiguous strides are honoured; float64, float16 and bfloat16 are converted to float32. Integer
     * and bool tensors, an unknown name, or data that fails validation give {@link WeightsFormatException}.
     */
    INDArray read(String name) throws IOException;
}
