package dev.stylegrad.autograd.layers;

import static dev.stylegrad.autograd.GradCheck.random;
import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.tensor.Conv2dSpec;
import dev.stylegrad.tensor.MemoryScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@link Sequential}'s release rule, measured with the memory scope's own accounting: without a tape each
 * intermediate goes back once the next layer has read it; nothing a tape may read goes back (neither what needs a
 * gradient nor what a recorded layer read); the caller's input and the kept outputs never go back, nor anything
 * sharing their memory.
 */
class SequentialTest {
    static final long[] SHAPE = {1, 2, 3, 4, 5};
    static final long BYTES = 2 * 3 * 4 * 5 * 8; // one double array of SHAPE

    static final Layer DOUBLE = t -> Ops.add(t, t); // a new array from the scope's pool, exact in floating point

    private final List<String> scopes = new ArrayList<>();

    @AfterEach
    void destroyScopes() {
        for (String name : scopes) MemoryScope.destroy(name);
    }

    private MemoryScope open(String name) {
        scopes.add(name);
        return MemoryScope.open(name);
    }

    /** {@code values} copied into an array the open scope lends, so releasing it would be seen. */
    static INDArray lent(INDArray values) {
        return MemoryScope.allocate(values.dataType(), values.shape()).assign(values);
    }

    static boolean stillLent(Tensor t) {
        return MemoryScope.lentSince(t.value(), 0);
    }

    @Test
    void withoutATapeOnlyTheInputAndTheResultStayLent() {
        INDArray values = random(1, SHAPE);
        try (MemoryScope scope = open("sequential-no-grad"); GradMode.Scope ignored = GradMode.noGrad()) {
            Tensor x = Tensor.constant(lent(values));
            Tensor y = Sequential.of(Ops::relu, DOUBLE, DOUBLE).forward(x);
            assertIdentical("relu, doubled twice", y.value(), Transforms.relu(values, true).mul(4));
            assertThat(scope.lentBytes()).as("x and y; the two intermediates handed back").isEqualTo(2 * BYTES);
            assertThat(stillLent(x)).isTrue();
        }
    }

    @Test
    void constantsWithGradientsOnAreOffTheTapeAndReleasedToo() {
        try (MemoryScope scope = open("sequential-constants")) {
            Tensor x = Tensor.constant(lent(random(2, SHAPE)));
            Sequential.of(DOUBLE, DOUBLE, DOUBLE).forward(x);
            assertThat(scope.lentBytes()).isEqualTo(2 * BYTES);
        }
    }

    @Test
    void whenRecordingNothingIsReleasedAndBackwardReadsWhatItSaved() {
        INDArray values = random(3, SHAPE);
        try (MemoryScope scope = open("sequential-recording")) {
            Tensor x = Tensor.parameter(lent(values));
            Tensor y = Sequential.of(DOUBLE, Ops::relu, DOUBLE).forward(x);
            assertThat(scope.lentBytes()).as("x, both intermediates and y").isEqualTo(4 * BYTES);
            Ops.sum(y).backward();
            INDArray mask = values.gt(0).castTo(DataType.DOUBLE);
            assertIdentical("gradient", x.grad(), mask.mul(4));
        }
    }

    /**
     * A constant picture padded, then convolved with trainable weights: the padded picture needs no gradient, but the
     * recorded convolution saved it for the weights' gradient, so it must stay (releasing every intermediate that
     * needs no gradient would hand it back, and the array made next would overwrite it before backward reads it).
     */
    @Test
    void whatARecordedLayerReadIsKeptEvenWithoutAGradientOfItsOwn() {
        INDArray picture = random(4, 1, 2, 5, 5);
        INDArray weight = random(5, 3, 2, 3, 3);
        INDArray want;
        {
            Tensor w = Tensor.parameter(weight.dup());
            Ops.sum(Ops.relu(Ops.conv2d(Ops.reflectionPad2d(Tensor.constant(picture), 1, 1, 1, 1), w, null, Conv2dSpec.of(1, 0, 1)))).backward();
            want = w.grad();
        }
        try (MemoryScope scope = open("sequential-saved-constant")) {
            Tensor w = Tensor.parameter(weight.dup());
            Tensor x = Tensor.constant(lent(picture));
            Tensor y = Sequential.of(t -> Ops.reflectionPad2d(t, 1, 1, 1, 1), t -> Ops.conv2d(t, w, null, Conv2dSpec.of(1, 0, 1)), Ops::relu).forward(x);
            long padded = 2 * 7 * 7 * 8, convolved = 3 * 5 * 5 * 8;
            assertThat(scope.lentBytes()).as("picture, padded picture, convolution, ReLU")
                    .isEqualTo(2 * 5 * 5 * 8 + padded + 2 * convolved);
            // An array of the padded picture's size made now would take its buffer had it been handed back.
            MemoryScope.allocate(DataType.DOUBLE, 1, 2, 7, 7).assign(1e6);
            Ops.sum(y).backward();
            assertIdentical("weight gradient", w.grad(), want);
        }
    }

    @Test
    void theCallersInputStaysEvenWhenALayerReturnsAViewOfIt() {
        try (MemoryScope scope = open("sequential-input-view"); GradMode.Scope ignored = GradMode.noGrad()) {
            Tensor x = Tensor.constant(lent(random(6, SHAPE)));
            Layer view = t -> Tensor.constant(t.value().reshape('c', 2, 60));
            Sequential.of(view, Ops::relu).forward(x);
            assertThat(stillLent(x)).isTrue();
            assertThat(scope.lentBytes()).isEqualTo(2 * BYTES);
        }
    }

    @Test
    void anIntermediateStaysWhileTheNextLayersOutputSharesItsMemory() {
        try (MemoryScope scope = open("sequential-view"); GradMode.Scope ignored = GradMode.noGrad()) {
            Tensor x = Tensor.constant(lent(random(7, SHAPE)));
            boolean[] lentWhenRead = new boolean[1];
            Layer view = t -> Tensor.constant(t.value().reshape('c', 2, 60));
            Layer probe = t -> {
                lentWhenRead[0] = stillLent(t);
                return DOUBLE.forward(t);
            };
            Sequential.of(Ops::relu, view, probe).forward(x);
            assertThat(lentWhenRead[0]).as("the view's memory was still lent when the next layer read it").isTrue();
            assertThat(scope.lentBytes()).as("x and the result; the ReLU's output went after its view's last reader")
                    .isEqualTo(2 * BYTES);
        }
    }

    @Test
    void namedOutputsAreKeptInTheOrderAskedAndNothingDeeperRuns() {
        INDArray values = random(8, SHAPE);
        Layer unreachable = t -> {
            throw new AssertionError("ran deeper than the deepest output asked for");
        };
        Sequential net = Sequential.builder().add("a", Ops::relu).add("b", DOUBLE).add("c", DOUBLE).add("d", unreachable).build();
        try (MemoryScope scope = open("sequential-named"); GradMode.Scope ignored = GradMode.noGrad()) {
            Tensor x = Tensor.constant(lent(values));
            Map<String, Tensor> out = net.forward(x, List.of("c", "a", "c"));
            assertThat(out.keySet()).containsExactly("c", "a");
            INDArray relu = Transforms.relu(values, true);
            assertIdentical("a", out.get("a").value(), relu);
            assertIdentical("c", out.get("c").value(), relu.mul(4));
            assertThat(stillLent(out.get("a"))).isTrue();
            assertThat(scope.lentBytes()).as("x, a and c; b handed back").isEqualTo(3 * BYTES);
        }
        assertThat(net.forward(Tensor.constant(values), List.of())).isEmpty();
        assertThatThrownBy(() -> net.forward(Tensor.constant(values), List.of("e"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'e'").hasMessageContaining("[a, b, c, d]");
        assertThatThrownBy(() -> Sequential.builder().add("a", Ops::relu).add("a", DOUBLE).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a'");
    }

    /** Inlined, the nested block's input goes back after the block's first layer, not after its last: a lower peak. */
    @Test
    void aNestedSequentialIsInlined() {
        try (MemoryScope scope = open("sequential-nested"); GradMode.Scope ignored = GradMode.noGrad()) {
            Tensor x = Tensor.constant(lent(random(9, SHAPE)));
            Sequential net = Sequential.of(DOUBLE, Sequential.of(DOUBLE, DOUBLE));
            assertThat(net.size()).isEqualTo(3);
            net.forward(x);
            assertThat(scope.peakLentBytes()).as("x and two arrays at a time").isEqualTo(3 * BYTES);
        }
        Sequential named = Sequential.builder().add("inner", Sequential.of(Ops::relu, DOUBLE)).build();
        INDArray values = random(10, SHAPE);
        assertIdentical("inner", named.forward(Tensor.constant(values), List.of("inner")).get("inner").value(), Transforms.relu(values, true).mul(2));
    }

    @Test
    void noLayersIsTheIdentity() {
        Tensor x = Tensor.constant(Nd4j.ones(DataType.DOUBLE, 2));
        assertThat(Sequential.of().forward(x)).isSameAs(x);
    }
}
