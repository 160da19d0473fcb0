package dev.stylegrad.style.adain;

import dev.stylegrad.autograd.GradMode;
import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.autograd.ops.Ops;
import dev.stylegrad.models.AdaInDecoder;
import dev.stylegrad.models.AdaInEncoder;
import dev.stylegrad.style.SettingsException;
import dev.stylegrad.style.feedforward.ParameterAdam;
import dev.stylegrad.tensor.MemoryScope;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The decoder's training as pytorch-AdaIN's {@code train.py} and {@code net.Net} do it: t = AdaIN(relu4_1(content),
 * relu4_1(style)); the decoder's output g(t) is encoded again; the content loss is the MSE between its relu4_1 and t,
 * the style loss the sum over relu1_1 … relu4_1 of the MSE between the per-channel means and that between the
 * per-channel stds (√(unbiased variance + 1e-5)) of g(t)'s features and the style's; the loss is
 * {@code contentWeight}·content + {@code styleWeight}·style, minimized by Adam over the decoder's parameters with
 * lr / (1 + lrDecay · iteration) at iteration i (0-based), set before each step. The encoder stays fixed.
 *
 * <p>Not thread-safe: one training loop owns it, and the decoder must not be used elsewhere while it trains.
 */
public final class AdaInTraining {
    /** The reference's defaults: lr 1e-4, decay 5e-5, content weight 1, style weight 10. */
    public record Settings(double lr, double lrDecay, double contentWeight, double styleWeight) {
        public static final Settings REFERENCE = new Settings(1e-4, 5e-5, 1, 10);

        public Settings {
            if (!(lr > 0) || Double.isInfinite(lr)) throw new SettingsException("--lr must be positive, got " + lr);
            if (!(lrDecay >= 0) || Double.isInfinite(lrDecay)) throw new SettingsException("--lr-decay must be 0 or positive, got " + lrDecay);
            if (!(contentWeight >= 0) || Double.isInfinite(contentWeight)) throw new SettingsException("--content-weight must be 0 or positive, got " + contentWeight);
            if (!(styleWeight >= 0) || Double.isInfinite(styleWeight)) throw new SettingsException("--style-weight must be 0 or positive, got " + styleWeight);
        }

        /** The learning rate of iteration {@code i} (0-based). */
        public double lrAt(long i) {
            return lr / (1 + lrDecay * i);
        }
    }

    /** One step's weighted losses (before the update), as the reference logs them. */
    public record Losses(double content, double style) {
        public double total() {
            return content + style;
        }
    }

    private final AdaInEncoder encoder;
    private final AdaInDecoder decoder;
    private final Settings settings;
    private final ParameterAdam adam;

    public AdaInTraining(AdaInEncoder encoder, AdaInDecoder decoder, Settings settings) {
        if (decoder.frozen()) throw new SettingsException("the decoder is frozen (it was given to a stylizer): load it again to train it");
        if (encoder.widths()[3] != decoder.widths()[3]) {
            throw new SettingsException("the decoder takes " + decoder.widths()[3] + " channels and the encoder's relu4_1 has " + encoder.widths()[3]);
        }
        this.encoder = encoder;
        this.decoder = decoder;
        this.settings = settings;
        this.adam = new ParameterAdam(decoder.parameters(), settings.lr());
    }

    /** The optimizer (its state goes into checkpoints). */
    public ParameterAdam optimizer() {
        return adam;
    }

    /** Steps taken so far: the next step's iteration. */
    public long iteration() {
        return adam.steps();
    }

    /**
     * One step on a batch of contents and styles [N, 3, h, w] (0..1; the same N): the losses before the update. A step
     * whose update would not be finite changes nothing (see {@link ParameterAdam#step()}) and is reported by
     * {@code updated == false} through {@link #lastStepUpdated()}.
     */
    public Losses step(INDArray contents, INDArray styles) {
        if (contents.rank() != 4 || styles.rank() != 4 || contents.size(0) != styles.size(0) || contents.size(1) != 3 || styles.size(1) != 3) {
            throw new IllegalArgumentException("AdaIN training: contents and styles must be batches [N, 3, h, w] of one N, got "
                    + java.util.Arrays.toString(contents.shape()) + " and " + java.util.Arrays.toString(styles.shape()));
        }
        adam.setLearningRate(settings.lrAt(iteration()));
        Losses losses;
        try (MemoryScope ignored = MemoryScope.open("adain-train")) {
            List<Tensor> styleFeatures;
            Tensor t;
            try (GradMode.Scope off = GradMode.noGrad()) {
                styleFeatures = encoder.encodeWithIntermediate(Tensor.constant(styles));
                Tensor contentFeatures = encoder.encode(Tensor.constant(contents));
                t = Ops.adaIn(contentFeatures, styleFeatures.get(3));
            }
            Tensor g = decoder.forward(Tensor.constant(t.value()));
            List<Tensor> gFeatures = encoder.encodeWithIntermediate(g);
            Tensor content = Ops.mse(gFeatures.get(3), t);
            Tensor style = null;
            for (int i = 0; i < 4; i++) {
                Tensor term = styleLoss(gFeatures.get(i), styleFeatures.get(i));
                style = style == null ? term : Ops.add(style, term);
            }
            Tensor loss = Ops.add(Ops.mul(content, settings.contentWeight()), Ops.mul(style, settings.styleWeight()));
            losses = new Losses(settings.contentWeight() * content.value().getDouble(0), settings.styleWeight() * style.value().getDouble(0));
            loss.backward();
            updated = adam.step();
        }
        return losses;
    }

    private boolean updated = true;

    /** Whether the last {@link #step} changed the decoder (false: its update was not finite, and nothing changed). */
    public boolean lastStepUpdated() {
        return updated;
    }

    /** MSE of the per-channel means plus MSE of the per-channel stds ({@code net.Net.calc_style_loss}). */
    private static Tensor styleLoss(Tensor input, Tensor target) {
        Tensor[] a = meanStd(input), b;
        try (GradMode.Scope off = GradMode.noGrad()) {
            b = meanStd(target);
        }
        return Ops.add(Ops.mse(a[0], b[0]), Ops.mse(a[1], b[1]));
    }

    /** {@code calc_mean_std}: per (picture, channel) mean, and √(unbiased variance + 1e-5), as [N, C, 1, 1]. */
    private static Tensor[] meanStd(Tensor x) {
        long n = x.shape()[2] * x.shape()[3];
        Tensor mean = Ops.mean(x, true, 2, 3);
        Tensor centered = Ops.sub(x, mean);
        Tensor variance = Ops.mul(Ops.sum(Ops.square(centered), true, 2, 3), 1.0 / (n - 1));
        Tensor std = Ops.pow(Ops.add(variance, ChannelStatistics.EPS), 0.5);
        return new Tensor[] {mean, std};
    }
}
