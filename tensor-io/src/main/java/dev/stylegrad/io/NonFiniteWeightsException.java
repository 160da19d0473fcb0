package dev.stylegrad.io;

import dev.stylegrad.tensor.Finite;
import java.nio.file.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A weights file whose tensor holds NaN or infinite values: well formed, but a network with them computes NaN
 * everywhere (a picture it paints comes out black), so it is refused on load. Such a file is usually what a diverged
 * training left.
 */
public final class NonFiniteWeightsException extends WeightsFormatException {
    private static final long serialVersionUID = 1L;

    private NonFiniteWeightsException(Path file, String problem) {
        super(file, problem);
    }

    /** Returns {@code values} if every element is finite; otherwise throws, naming the file and the tensor. */
    public static INDArray requireFinite(Path file, String tensor, INDArray values) throws NonFiniteWeightsException {
        long bad = Finite.countNonFinite(values);
        if (bad > 0) {
            throw new NonFiniteWeightsException(file, tensor + " holds " + bad + " NaN or infinite value" + (bad == 1 ? "" : "s") + " of "
                    + values.length() + "; a network with it computes NaN (a diverged training leaves such files)");
        }
        return values;
    }
}
