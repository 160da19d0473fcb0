package dev.stylegrad.style;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.style.optim.Objective;
import dev.stylegrad.tensor.Npy;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * StyleTransfer against the course algorithm run in PyTorch on the same mini VGG19 weights and images. CI runs it
 * three times: as it is, with oneDNN capped to AVX2 ({@code DNNL_MAX_CPU_ISA=AVX2}), and on the backend-neutral path
 * the CUDA build takes ({@code -Dstylegrad.onednn=false}: libnd4j's ops only).
 */
@org.junit.jupiter.api.Tag("end-to-end")
class StyleTransferTest {
    @Test
    void adamMatchesTheCourseAlgorithmStepForStep() throws IOException {
        List<double[]> reference = CourseReference.readLog(CourseReference.DIR.resolve("adam_log.jsonl"));
        StyleTransfer.Result r = StyleTransfer.builder().content(CourseReference.content()).style(CourseReference.style())
                .weights(CourseReference.MINI_WEIGHTS).steps(reference.size()).build().run();
        assertThat(r.reason()).isEqualTo(StyleTransfer.StopReason.COMPLETED);
        assertThat(r.losses()).hasSize(reference.size());
        double worstFirst20 = 0, worstAll = 0;
        for (int k = 0; k < reference.size(); k++) {
            double[] want = reference.get(k);
            Objective.Evaluation got = r.losses().get(k);
            double err = Math.max(CourseReference.rel(got.total(), want[4], want[4]),
                    Math.max(CourseReference.rel(got.style(), want[2], want[4]), CourseReference.rel(got.content(), want[1], want[4])));
            if (k < 20) worstFirst20 = Math.max(worstFirst20, err);
            worstAll = Math.max(worstAll, err);
        }
        INDArray torchFinal = Npy.read(CourseReference.DIR.resolve("adam_final.npy"));
        double psnr = CourseReference.psnr(r.normalized(), torchFinal);
        INDArray start = dev.stylegrad.vgg.ImageNet.fromPixels(CourseReference.content().pixels(), 56, 40);
        double psnrStart = CourseReference.psnr(start, torchFinal);
        System.out.printf("course reference: worst rel. loss error steps 0-19 %.2e, steps 0-%d %.2e; final PSNR vs PyTorch %.1f dB "
                + "(the content image vs PyTorch's final: %.1f dB)%n", worstFirst20, reference.size() - 1, worstAll, psnr, psnrStart);
        assertThat(worstFirst20).isLessThanOrEqualTo(1e-3);
        assertThat(psnr).isGreaterThanOrEqualTo(40.0);
        // The comparison has teeth: the image moved far from where it started, and we followed it.
        assertThat(psnrStart).isLessThan(psnr - 15);
    }
}
