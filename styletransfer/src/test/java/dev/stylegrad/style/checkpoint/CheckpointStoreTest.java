package dev.stylegrad.style.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stylegrad.style.optim.Objective;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link CheckpointStore}: exact round trip, the pointer switch, leftovers, and damaged files named. */
class CheckpointStoreTest {
    @TempDir
    Path dir;

    private static Checkpoint sample(int steps) {
        INDArray image = Nd4j.rand(DataType.FLOAT, 1, 3, 6, 5).subi(0.5).muli(4);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("t", (long) steps);
        state.put("hDiag", 0.1 + 1e-17 * steps); // a double that only an exact round trip keeps
        state.put("rho0", Math.nextUp(1.0 / 3));
        state.put("converged", true);
        state.put("m", Nd4j.rand(DataType.FLOAT, 1, 3, 6, 5));
        state.put("g", Nd4j.rand(DataType.DOUBLE, 7));
        List<Checkpoint.LoggedStep> losses = new ArrayList<>();
        for (int i = 0; i < steps; i++) losses.add(new Checkpoint.LoggedStep(new Objective.Evaluation(1e-7 / 3 * i, 1.7e8 / 7, 0, Math.PI * i), 0.1 * i));
        return new Checkpoint(steps, image, "adam", state, new Fingerprint(Map.of("--size", "56", "--optimizer", "adam")), losses);
    }

    private List<String> checkpointDirs() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("step-")).sorted().toList();
        }
    }

    @Test
    void roundTripIsExact() throws Exception {
        Checkpoint c = sample(5);
        CheckpointStore.write(dir, c);
        Checkpoint r = CheckpointStore.read(dir);
        assertThat(r.completedSteps()).isEqualTo(5);
        assertThat(r.optimizer()).isEqualTo("adam");
        assertThat(r.fingerprint()).isEqualTo(c.fingerprint());
        assertThat(r.losses()).isEqualTo(c.losses());
        assertThat(r.image().data().asFloat()).containsExactly(c.image().data().asFloat());
        assertThat(r.image().shape()).containsExactly(1, 3, 6, 5);
        assertThat(r.optimizerState()).containsOnlyKeys(c.optimizerState().keySet());
        for (String k : List.of("t", "hDiag", "rho0", "converged")) assertThat(r.optimizerState().get(k)).as(k).isEqualTo(c.optimizerState().get(k));
        for (String k : List.of("m", "g")) {
            INDArray want = (INDArray) c.optimizerState().get(k), got = (INDArray) r.optimizerState().get(k);
            assertThat(got.dataType()).isEqualTo(want.dataType());
            assertThat(got.data().asDouble()).as(k).containsExactly(want.data().asDouble());
        }
    }

    @Test
    void theScaleAndTheStepsPerScaleRoundTripAndVersion1ReadsAsOneScale() throws Exception {
        Checkpoint c = sample(5);
        Checkpoint multi = new Checkpoint(5, c.image(), "adam", c.optimizerState(), c.fingerprint(), c.losses(), 1, new int[] {3, 4, 2});
        CheckpointStore.write(dir, multi);
        Checkpoint r = CheckpointStore.read(dir);
        assertThat(r.scale()).isEqualTo(1);
        assertThat(r.stepsPerScale()).containsExactly(3, 4, 2);
        Path manifest = dir.resolve(Files.readString(dir.resolve(CheckpointStore.POINTER)).trim()).resolve(CheckpointStore.MANIFEST);
        String json = Files.readString(manifest);
        assertThat(json).contains("\"version\" : 2").contains("\"scale\" : 1");

        // What version 1 wrote: no scale, no steps per scale. It is a one-scale run at scale 0.
        String v1 = json.replace("\"version\" : 2", "\"version\" : 1").replaceAll("\\s*\"scale\" : 1,", "")
                .replaceAll("(?s)\\s*\"stepsPerScale\" : \\[[^]]*\\],", "");
        assertThat(v1).doesNotContain("scale");
        Files.writeString(manifest, v1);
        Checkpoint old = CheckpointStore.read(dir);
        assertThat(old.scale()).isZero();
        assertThat(old.stepsPerScale()).isNull();
        assertThat(old.completedSteps()).isEqualTo(5);
        assertThat(old.losses()).isEqualTo(c.losses());
        assertThat(old.image().data().asFloat()).containsExactly(c.image().data().asFloat());

        Files.writeString(manifest, json.replace("\"scale\" : 1", "\"scale\" : -1"));
        assertThatThrownBy(() -> CheckpointStore.read(dir)).hasMessageContaining("scale is not a scale index: -1");
        Files.writeString(manifest, json.replace("\"scale\" : 1", "\"scale\" : 3"));
        assertThatThrownBy(() -> CheckpointStore.read(dir)).hasMessageContaining("stepsPerScale is not a step count per scale up to scale 3");
    }

    @Test
    void aNewCheckpointReplacesTheOldOneThroughThePointer() throws Exception {
        CheckpointStore.write(dir, sample(2));
        String first = Files.readString(dir.resolve(CheckpointStore.POINTER)).trim();
        // What a crash mid-write leaves: a half-written directory and a temporary pointer. Reading ignores them.
        Files.createDirectories(dir.resolve("step-00000004-0badf00d"));
        Files.writeString(dir.resolve("step-00000004-0badf00d/image.npy"), "partial");
        Files.writeString(dir.resolve(".CURRENT.1234.tmp"), "step-00000004-0badf00d");
        Files.writeString(dir.resolve("notes.txt"), "the user's own file");
        assertThat(CheckpointStore.read(dir).completedSteps()).isEqualTo(2);

        CheckpointStore.write(dir, sample(4));
        String second = Files.readString(dir.resolve(CheckpointStore.POINTER)).trim();
        assertThat(second).startsWith("step-00000004-").isNotEqualTo(first).isNotEqualTo("step-00000004-0badf00d");
        assertThat(checkpointDirs()).containsExactly(second); // the old one and the leftover are gone
        assertThat(dir.resolve(".CURRENT.1234.tmp")).doesNotExist();
        assertThat(dir.resolve("notes.txt")).exists();
        assertThat(dir.resolve(second)).isDirectoryContaining(p -> p.getFileName().toString().equals(CheckpointStore.MANIFEST))
                .isDirectoryContaining(p -> p.getFileName().toString().equals("opt-m.npy"));
        assertThat(CheckpointStore.read(dir).completedSteps()).isEqualTo(4);
    }

    @Test
    void damagedFilesAreNamed() throws Exception {
        assertThatThrownBy(() -> CheckpointStore.read(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(dir.resolve("CURRENT") + ": missing");
        CheckpointStore.write(dir, sample(3));
        Path ckpt = dir.resolve(Files.readString(dir.resolve(CheckpointStore.POINTER)).trim());

        byte[] m = Files.readAllBytes(ckpt.resolve("opt-m.npy"));
        m[m.length - 1] ^= 1; // one flipped bit in the data: only the checksum can tell
        Files.write(ckpt.resolve("opt-m.npy"), m);
        assertThatThrownBy(() -> CheckpointStore.read(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(ckpt.resolve("opt-m.npy") + ": sha256 is").hasMessageContaining("start a new run without --resume");
        m[m.length - 1] ^= 1;
        Files.write(ckpt.resolve("opt-m.npy"), m);
        assertThat(CheckpointStore.read(dir).completedSteps()).isEqualTo(3);

        Files.delete(ckpt.resolve("image.npy"));
        assertThatThrownBy(() -> CheckpointStore.read(dir)).hasMessageContaining(ckpt.resolve("image.npy") + ": missing");

        Files.writeString(ckpt.resolve(CheckpointStore.MANIFEST), "{\"format\": \"stylegrad-checkpoint\", \"version\": 1,");
        assertThatThrownBy(() -> CheckpointStore.read(dir)).hasMessageContaining(ckpt.resolve("checkpoint.json") + ": is not valid JSON");
        Files.writeString(ckpt.resolve(CheckpointStore.MANIFEST), "{\"format\": \"stylegrad-checkpoint\", \"version\": 9}");
        assertThatThrownBy(() -> CheckpointStore.read(dir)).hasMessageContaining("format version 9").hasMessageContaining("reads versions 1 to 2");
        Files.writeString(ckpt.resolve(CheckpointStore.MANIFEST), "{\"format\": \"stylegrad-checkpoint\", \"version\": 1}");
        assertThatThrownBy(() -> CheckpointStore.read(dir)).hasMessageContaining("checkpoint.json: has no 'completedSteps'");

        Files.writeString(dir.resolve(CheckpointStore.POINTER), "../../etc\n");
        assertThatThrownBy(() -> CheckpointStore.read(dir)).hasMessageContaining("CURRENT: expected the name of a checkpoint directory");
    }

    @Test
    void fingerprintDifferencesNameEachOption() {
        Fingerprint saved = new Fingerprint(Map.of("--size", "56", "--content", "sha256:" + "a".repeat(64)));
        Fingerprint given = new Fingerprint(Map.of("--size", "64", "--content", "sha256:" + "b".repeat(64)));
        assertThat(saved.differences(given)).containsExactlyInAnyOrder("--size: checkpoint 56, given 64",
                "--content: checkpoint sha256:aaaaaaaaaaaa..., given sha256:bbbbbbbbbbbb...");
        assertThat(saved.differences(saved)).isEmpty();
    }
}
