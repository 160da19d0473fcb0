package dev.stylegrad.style;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.io.Npy;
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
    /** Relative bound per loss term and step: a 1% error in any one term of any step fails. */
    static final double BOUND = 1e-3;

    @Test
    void adamMatchesTheCourseAlgorithmStepForStep() throws IOException {
        List<double[]> reference = CourseReference.readLog(CourseReference.DIR.resolve("adam_log.jsonl"));
        StyleTransfer.Result r = StyleTransfer.builder().content(CourseReference.content()).style(CourseReference.style())
                .weights(CourseReference.MINI_WEIGHTS).steps(reference.size()).build().run();
        assertThat(r.reason()).isEqualTo(StyleTransfer.StopReason.COMPLETED);
        assertThat(r.losses()).hasSize(reference.size());
        // Every step the log holds (0-99), each of content, style and total on its own scale.
        CourseReference.assertStepsMatch("course reference, Adam", r.losses(), reference, reference.size(), BOUND);
        INDArray torchFinal = Npy.read(CourseReference.DIR.resolve("adam_final.npy"));
        double psnr = CourseReference.psnr(r.normalized(), torchFinal);
        INDArray start = dev.stylegrad.models.ImageNet.fromPixels(CourseReference.content().pixels(), 56, 40);
        double psnrStart = CourseReference.psnr(start, torchFinal);
        System.out.printf("course reference: final PSNR vs PyTorch %.1f dB (the content image vs PyTorch's final: %.1f dB)%n", psnr, psnrStart);
        assertThat(psnr).isGreaterThanOrEqualTo(40.0);
        // The comparison has teeth: the image moved far from where it started, and we followed it.
        assertThat(psnrStart).isLessThan(psnr - 15);
    }
}
