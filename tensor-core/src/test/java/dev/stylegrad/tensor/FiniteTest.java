package dev.stylegrad.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class FiniteTest {
    @Test
    void countsNaNAndBothInfinitiesInEveryFloatingTypeAndViews() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.HALF, DataType.BFLOAT16}) {
            var a = Nd4j.zeros(type, 3, 70);
            assertThat(Finite.countNonFinite(a)).as("%s", type).isZero();
            assertThat(Finite.all(a)).isTrue();
            a.putScalar(0, 5, Double.NaN);
            a.putScalar(1, 69, Double.POSITIVE_INFINITY);
            a.putScalar(2, 0, Double.NEGATIVE_INFINITY);
            assertThat(Finite.countNonFinite(a)).as("%s", type).isEqualTo(3);
            assertThat(Finite.all(a)).isFalse();
            assertThat(Finite.countNonFinite(a.getRow(1))).isEqualTo(1); // a view counts only its own elements
        }
        var big = Nd4j.ones(DataType.FLOAT, 4).muli(Float.MAX_VALUE);
        assertThat(Finite.all(big)).isTrue(); // the largest float is finite
        assertThat(Finite.all(Nd4j.empty(DataType.FLOAT))).isTrue();
    }
}
