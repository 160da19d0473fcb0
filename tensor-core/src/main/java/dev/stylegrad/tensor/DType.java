package dev.stylegrad.tensor;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The two floating-point types stylegrad computes in: float32 for real work, float64 for gradient checks. */
public enum DType {
    FLOAT32(DataType.FLOAT),
    FLOAT64(DataType.DOUBLE);

    private final DataType nd4j;

    DType(DataType nd4j) {
        this.nd4j = nd4j;
    }

    /** The ND4J data type this maps to. */
    public DataType nd4j() {
        return nd4j;
    }

    /** The stylegrad type of an array, or a clear error naming the op and argument if it is not float32/float64. */
    public static DType of(String op, String argument, INDArray array) {
        DataType t = array.dataType();
        if (t == DataType.FLOAT) return FLOAT32;
        if (t == DataType.DOUBLE) return FLOAT64;
        throw new IllegalArgumentException(op + ": " + argument + " must be float32 or float64, but has dtype " + t
                + " (shape " + Shapes.format(array.shape()) + ")");
    }
}
