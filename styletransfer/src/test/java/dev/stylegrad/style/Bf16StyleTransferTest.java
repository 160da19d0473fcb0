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
 * {@link Precision#BF16} end to end on the course reference (mini VGG19, 56×40 pictures, 100 Adam steps): every step's
 * total loss follows the float32 run's and the final picture stays close to it; where the CPU has no bfloat16
 * instructions, {@code build()} refuses with the reason. Tagged end-to-end, so CI runs both sides on a bf16 CPU (the
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
        double worst = 0;
        for (int i = 0; i < a.size(); i++) worst = Math.max(worst, Math.abs(b.get(i).total() / a.get(i).total() - 1));
        double psnr = CourseReference.psnr(bf16.normalized(), fp32.normalized());
        System.out.printf("bf16 vs fp32 on the course reference: worst per-step total loss difference %.3f%%, final PSNR %.1f dB%n",
                100 * worst, psnr);
        // 2%: the mini network's convolutions sum 27-162 products (3-18 channels), so bfloat16's rounding averages out less than in
        // VGG19's (0.73% measured on an AVX-512 BF16 EPYC); a wrong layout or operand is off by far more.
        assertThat(worst).as("largest relative difference of a step's total loss").isLessThan(0.02);
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
