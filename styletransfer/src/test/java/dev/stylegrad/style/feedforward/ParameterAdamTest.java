package dev.stylegrad.style.feedforward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.io.Npy;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link ParameterAdam} against {@code torch.optim.Adam} (lr 0.01) over four steps with gradients from 1e-2 to 10 in
 * size, one parameter missing its gradient in step 2 (PyTorch then leaves it, and its step count, alone):
 * {@code src/test/fixtures/adam/make_adam.py}.
 */
class ParameterAdamTest {
    static final Path DIR = Path.of("src/test/fixtures/adam");

    @Test
    void followsTorchOptimAdamStepForStep() throws Exception {
        Tensor a = Tensor.parameter(Npy.read(DIR.resolve("a0.npy"))), b = Tensor.parameter(Npy.read(DIR.resolve("b0.npy")));
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("a", a);
        params.put("b", b);
        ParameterAdam adam = new ParameterAdam(params, 0.01);
        for (int k = 0; k < 4; k++) {
            setGrad(a, Npy.read(DIR.resolve("ga_" + k + ".npy")));
            Path gb = DIR.resolve("gb_" + k + ".npy");
            if (Files.exists(gb)) setGrad(b, Npy.read(gb));
            adam.step();
            assertThat(a.grad()).as("gradients are cleared after the step").isNull();
            for (String name : new String[] {"a", "b"}) {
                INDArray want = Npy.read(DIR.resolve(name + "_" + k + ".npy"));
                INDArray got = params.get(name).value();
                double err = got.sub(want).amaxNumber().doubleValue() / want.amaxNumber().doubleValue();
                assertThat(err).as("%s after step %d vs torch.optim.Adam", name, k).isLessThan(1e-6);
            }
        }
        assertThat(adam.steps()).isEqualTo(4);
    }

    /** Sets a leaf's accumulated gradient, as backward() would (the test drives Adam with PyTorch's gradients). */
    private static void setGrad(Tensor t, INDArray g) throws ReflectiveOperationException {
        Field f = Tensor.class.getDeclaredField("grad");
        f.setAccessible(true);
        f.set(t, g);
    }
}
