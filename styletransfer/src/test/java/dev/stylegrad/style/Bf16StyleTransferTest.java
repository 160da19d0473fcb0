package dev.stylegrad.style;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.tensor.Precision;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Precision#BF16} end to end on the course reference (mini VGG19, 56×40 pictures, 100 Adam steps): the first
 * step's losses are float32's exactly (bf16 touches only the gradient), every later step's total loss follows the
 * float32 run's and the final picture stays close to it; where the CPU has no bfloat16 instructions, {@code build()}
 * refuses with the reason. Tagged end-to-end, so CI runs both sides on a bf16 CPU (the
 * second pass caps oneDNN to AVX2).
 */
@org.junit.jupiter.api.Tag("end-to-end")
class Bf16StyleTransferTest {
    private static final String UNAVAILABLE = Precision.BF16.unavailableReason();

    private static StyleTransfer.Builder course(Precision precision) throws IOException {
        return StyleTransfer.builder().content(CourseReference.content()).style(CourseReference.style())
                .weights(CourseReference.MINI_WEIGHTS).steps(100).precision(precision);
    }

    @Test
    void bf16LossesFollowTheFloat32RunStepForStep() throws IOException {
        assumeTrue(UNAVAILABLE == null, () -> "no bf16 here: " + UNAVAILABLE);
        StyleTransfer.Result fp32 = course(Precision.FP32).build().run();
        StyleTransfer.Result bf16 = course(Precision.BF16).build().run();
        List<Objective.Evaluation> a = fp32.losses(), b = bf16.losses();
        assertThat(b).hasSize(a.size());
        // The forward pass is float32 in both: the same picture gives the same losses, to the last bit.
        assertThat(b.get(0)).as("step 0, before any update").isEqualTo(a.get(0));
        double worst = 0;
        for (int i = 0; i < a.size(); i++) worst = Math.max(worst, Math.abs(b.get(i).total() / a.get(i).total() - 1));
        double psnr = CourseReference.psnr(bf16.normalized(), fp32.normalized());
        System.out.printf("bf16 vs fp32 on the course reference: worst per-step total loss difference %.3f%%, final PSNR %.1f dB%n",
                100 * worst, psnr);
        // 1%, the bound issue 15 sets for VGG19 at 512 px (0.024% measured here on an AVX-512 BF16 EPYC).
        assertThat(worst).as("largest relative difference of a step's total loss").isLessThan(0.01);
        assertThat(psnr).as("final picture, bf16 against fp32").isGreaterThanOrEqualTo(35.0);
        // bf16 really ran: the losses are not float32's to the last bit.
        assertThat(worst).isGreaterThan(0);
    }

    @Test
    void withoutBfloat16InstructionsBuildRefusesWithTheReason() throws IOException {
        assumeTrue(UNAVAILABLE != null, "this CPU runs bf16 (run with DNNL_MAX_CPU_ISA=AVX2 to test the refusal)");
        assertThatThrownBy(() -> course(Precision.BF16).build()).isInstanceOf(UnsupportedOperationException.class).hasMessage(UNAVAILABLE);
    }
}
