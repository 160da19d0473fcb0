package dev.stylegrad.cli;

import static dev.stylegrad.cli.StylegradCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.autograd.Tensor;
import dev.stylegrad.io.Npy;
import dev.stylegrad.models.AdaInDecoder;
import dev.stylegrad.models.ModelFixtures;
import dev.stylegrad.style.feedforward.Pictures;
import dev.stylegrad.style.image.ImageFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@code stylegrad train-adain} on the narrow fixture encoder: a straight run equals one stopped and resumed, and the files it writes. */
class TrainAdaInCommandTest {
    static final String VGG = ModelFixtures.ADAIN.resolve("vgg_legacy.pth").toString();

    @TempDir
    Path dir;

    private Path folder(String name, String npy) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f);
        var batches = Npy.read(ModelFixtures.ADAIN.resolve(npy));
        for (int i = 0; i < 3; i++) {
            ImageFiles.write(Pictures.fromArray(batches.get(NDArrayIndex.point(i), NDArrayIndex.interval(0, 1)).dup().mul(255)), f.resolve("p" + i + ".png"));
        }
        return f;
    }

    private String[] args(Path content, Path style, Path out, int steps, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("train-adain", "--content-dir", content.toString(), "--style-dir", style.toString(), "--vgg", VGG,
                "--out", out.toString(), "--steps", "" + steps, "--batch", "2", "--resize", "40", "--crop", "24", "--save-every", "2", "--lr", "1e-3"));
        a.addAll(List.of(more));
        if (!a.contains("--seed")) a.addAll(List.of("--seed", "7"));
        return a.toArray(String[]::new);
    }

    @Test
    void aResumedTrainingEndsWhereTheStraightOneDoes() throws IOException {
        Path content = folder("content", "train_content.npy"), style = folder("style", "train_style.npy");
        Path straight = dir.resolve("straight.safetensors"), resumed = dir.resolve("resumed.safetensors");
        StylegradCliTest.Result r = run(args(content, style, straight, 5));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("trained after 5 steps");
        StylegradCliTest.Result first = run(args(content, style, resumed, 2));
        assertThat(first.code()).as(first.err()).isZero();
        StylegradCliTest.Result again = run(args(content, style, resumed, 5));
        assertThat(again.code()).isEqualTo(ExitCode.USAGE);
        assertThat(again.err()).contains("give --resume");
        StylegradCliTest.Result second = run(args(content, style, resumed, 5, "--resume"));
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.err()).contains("resumed").contains("at step 2 of 5");
        Map<String, Tensor> a = AdaInDecoder.load(straight).parameters(), b = AdaInDecoder.load(resumed).parameters();
        for (String k : a.keySet()) assertThat(a.get(k).value().sub(b.get(k).value()).amaxNumber().doubleValue()).as(k).isZero();
        List<String> log = Files.readAllLines(dir.resolve("resumed.log.csv")), straightLog = Files.readAllLines(dir.resolve("straight.log.csv"));
        assertThat(log).hasSize(6).first().isEqualTo("step,lr,content,style,total,seconds");
        for (int i = 1; i < 6; i++) assertThat(log.get(i).substring(0, log.get(i).lastIndexOf(','))).isEqualTo(straightLog.get(i).substring(0, straightLog.get(i).lastIndexOf(',')));
        assertThat(dir.resolve("resumed.losses.png")).exists();
        StylegradCliTest.Result other = run(args(content, style, resumed, 6, "--resume", "--seed", "8"));
        assertThat(other.code()).isEqualTo(ExitCode.USAGE);
        assertThat(other.err()).contains("written with --seed 7, this command has 8");
    }
}
