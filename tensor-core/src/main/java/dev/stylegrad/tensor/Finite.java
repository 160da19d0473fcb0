package dev.stylegrad.tensor;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

/** Whether arrays hold only finite numbers: the check between a model or an update and a file nobody can use. */
public final class Finite {
    private Finite() {}

    /** How many elements of {@code a} are NaN or infinite (one native pass, no copy). */
    public static long countNonFinite(INDArray a) {
        if (a.isEmpty()) return 0;
        if (!a.dataType().isFPType()) return 0;
        // libnd4j's match_condition miscounts 16-bit floats (found by FiniteTest); widening keeps NaN and infinity.
        if (a.dataType() != DataType.FLOAT && a.dataType() != DataType.DOUBLE) a = a.castTo(DataType.FLOAT);
        return Nd4j.getExecutioner().exec(new MatchCondition(a, Conditions.notFinite())).getLong(0);
    }

    /** True when every element of {@code a} is finite. */
    public static boolean all(INDArray a) {
        return countNonFinite(a) == 0;
    }
}
