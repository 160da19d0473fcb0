package dev.stylegrad.io;

import static dev.stylegrad.tensor.ExactArrays.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Hostile pickles inside both PyTorch containers (RestrictedUnpickler, TorchGlobal, TorchStateDict): each must be
 * refused with a WeightsFormatException naming the file and the problem, execute nothing, and finish quickly.
 */
@Timeout(30)
class HostilePickleTest {
    @TempDir
    Path dir;

    /** Opens the file and reads every tensor, as a loader would. */
    static void openAndReadAll(Path p) throws IOException {
        try (WeightsReader r = WeightsFiles.open(p)) {
            for (TensorInfo t : r.tensors()) r.read(t.name());
        }
    }

    private AbstractThrowableAssert<?, ? extends Throwable> assertRefused(String format, byte[] pickle) throws IOException {
        return assertRefused(format, pickle, TorchFiles.oneStorage());
    }

    private AbstractThrowableAssert<?, ? extends Throwable> assertRefused(String format, byte[] pickle, Map<String, float[]> storages)
            throws IOException {
        Path p = TorchFiles.write(dir, "hostile-" + format + ".pth", TorchFiles.container(format, pickle, storages));
        return assertThatThrownBy(() -> openAndReadAll(p)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageStartingWith(p + ": ");
    }

    @Test
    void theContainersWorkWithAValidPickle() throws IOException {
        for (String format : TorchFiles.formats()) {
            Path p = TorchFiles.write(dir, format + ".pth", TorchFiles.container(format, TorchFiles.oneTensorPickle(format.equals("legacy")),
                    TorchFiles.oneStorage()));
            try (WeightsReader r = WeightsFiles.open(p)) {
                assertThat(r.format()).isEqualTo("pytorch-" + format);
                assertIdentical(format + " w", r.read("w"), Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}}));
            }
        }
    }

    /** The classic payload: os.system("touch &lt;file&gt;"); refused before anything runs, wherever it appears. */
    @Test
    void osSystemPayloadIsRefusedAndNothingRuns() throws IOException {
        Path marker = dir.resolve("pwned-" + System.nanoTime());
        byte[] payload = PickleBuilder.proto2().global("os", "system").str("touch " + marker).op(0x85).reduce().stop().bytes();
        for (String format : TorchFiles.formats()) {
            assertRefused(format, payload).hasMessageContaining("refusing pickle global 'os.system'")
                    .hasMessageContaining("nothing in the file was executed");
        }
        // As the very first pickle of a legacy file (where the magic number should be) and as a whole file.
        ByteArrayOutputStream legacy = new ByteArrayOutputStream();
        legacy.writeBytes(payload);
        legacy.writeBytes(TorchFiles.legacy(TorchFiles.oneTensorPickle(true), TorchFiles.oneStorage()));
        Path first = TorchFiles.write(dir, "first.pth", legacy.toByteArray());
        assertThatThrownBy(() -> openAndReadAll(first)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining(first.toString()).hasMessageContaining("the magic-number pickle")
                .hasMessageContaining("'os.system'");
        assertThat(marker).doesNotExist();
    }

    @ParameterizedTest
    @CsvSource({"os, system", "posix, system", "nt, system", "builtins, eval", "builtins, exec", "__builtin__, eval",
            "builtins, getattr", "builtins, __import__", "subprocess, Popen", "subprocess, check_output", "pickle, loads",
            "torch, load", "torch.nn.modules.conv, Conv2d", "torch._utils, _rebuild_qtensor", "collections, defaultdict",
            "numpy.core.multiarray, _reconstruct", "webbrowser, open", "mymodule, UnknownClass", "torch, FloatStorageX",
            "torch.cuda, FloatStorage"})
    void everyOtherGlobalIsRefusedByGlobalAndStackGlobal(String module, String name) throws IOException {
        byte[] viaGlobal = PickleBuilder.proto2().global(module, name).str("x").op(0x85).reduce().stop().bytes();
        byte[] viaStack = new PickleBuilder().op(0x80, 4).stackGlobal(module, name).str("x").op(0x85).reduce().stop().bytes();
        for (String format : TorchFiles.formats()) {
            for (byte[] pickle : new byte[][] {viaGlobal, viaStack}) {
                assertRefused(format, pickle).hasMessageContaining("refusing pickle global '" + module + "." + name + "'")
                        .hasMessageContaining("collections.OrderedDict, torch._utils._rebuild_tensor");
            }
        }
    }

    @Test
    void aForbiddenGlobalDeepInsideAValidStateDictIsRefused() throws IOException {
        // {"w": tensor, "evil": builtins.eval("1")}: the valid tensor before it does not matter.
        byte[] pickle = PickleBuilder.proto2().orderedDictStart().str("w")
                .tensorV2("FloatStorage", "0", 6, 0, new long[] {6}, new long[] {1}, true)
                .str("evil").global("builtins", "eval").str("1").op(0x85).reduce().setitems().stop().bytes();
        assertRefused("legacy", pickle).hasMessageContaining("'builtins.eval'");
    }

    @Test
    void reduceOnAnythingButTheRebuildFunctionsIsRefused() throws IOException {
        byte[] callStorage = PickleBuilder.proto2().global("torch", "FloatStorage").integer(10).op(0x85).reduce().stop().bytes();
        assertRefused("zip", callStorage).hasMessageContaining("refusing to call storage class torch.FloatStorage");
        byte[] callString = PickleBuilder.proto2().str("os.system").str("ls").op(0x85).reduce().stop().bytes();
        assertRefused("zip", callString).hasMessageContaining("refusing to call str 'os.system'");
        byte[] callDict = PickleBuilder.proto2().emptyDict().emptyTuple().reduce().stop().bytes();
        assertRefused("legacy", callDict).hasMessageContaining("refusing to call dict of 0");
        byte[] argsNotTuple = PickleBuilder.proto2().global("collections", "OrderedDict").str("x").reduce().stop().bytes();
        assertRefused("legacy", argsNotTuple).hasMessageContaining("REDUCE arguments must be a tuple, found str 'x'");
        byte[] wrongArity = PickleBuilder.proto2().global("torch._utils", "_rebuild_tensor_v2").tupleOf(1, 2).reduce().stop().bytes();
        assertRefused("legacy", wrongArity).hasMessageContaining("torch._utils._rebuild_tensor_v2").hasMessageContaining("expected 6 or 7 arguments, found 2");
        byte[] notStorage = PickleBuilder.proto2().global("torch._utils", "_rebuild_tensor").mark().str("s").integer(0)
                .tupleOf(1).tupleOf(1).tuple().reduce().stop().bytes();
        assertRefused("zip", notStorage).hasMessageContaining("first argument must be a storage, found str 's'");
    }

    @Test
    void backwardHooksAreRefused() throws IOException {
        // _rebuild_tensor_v2(..., backward_hooks=OrderedDict([[1, "hook"]])): hooks would be code, so any is refused.
        byte[] pickle = PickleBuilder.proto2().orderedDictStart().str("w").global("torch._utils", "_rebuild_tensor_v2").mark()
                .storage("FloatStorage", "0", 6, false).integer(0).tupleOf(6).tupleOf(1).bool(false)
                .global("collections", "OrderedDict").emptyList().mark().emptyList().mark().integer(1).str("hook").appends()
                .appends().op(0x85).reduce().tuple().reduce().setitems().stop().bytes();
        assertRefused("zip", pickle).hasMessageContaining("backward hooks must be empty, found OrderedDict of 1");
    }

    @ParameterizedTest
    @CsvSource({"105, INST", "111, OBJ", "129, NEWOBJ", "146, NEWOBJ_EX", "130, EXT1", "131, EXT2", "132, EXT4",
            "80, PERSID", "73, INT", "83, STRING", "86, UNICODE", "103, GET", "112, PUT", "143, 0x8f", "150, 0x96", "151, 0x97",
            "255, 0xff", "0, 0x0"})
    void objectCreatingAndUnsupportedOpcodesAreRefused(int opcode, String name) throws IOException {
        // INST carries "module\nname\n" inline; the opcode is refused before those bytes are even read.
        byte[] pickle = new PickleBuilder().op(0x80, 2).global("collections", "OrderedDict").emptyTuple().op(opcode)
                .raw("os\nsystem\n".getBytes()).stop().bytes();
        for (String format : TorchFiles.formats()) {
            assertRefused(format, pickle).hasMessageContaining(name).hasMessageContaining("offset");
        }
    }

    @Test
    void absurdSizesShapesAndStridesAreRefused() throws IOException {
        long[] c = {3, 1};
        record Case(String type, long numel, long offset, long[] size, long[] stride, String message) {}
        Case[] cases = {
            new Case("FloatStorage", 1L << 60, 0, new long[] {2, 3}, c, "declares 1152921504606846976 float32 elements, more than the"),
            new Case("DoubleStorage", Long.MAX_VALUE, 0, new long[] {2, 3}, c, "more than the"),
            new Case("FloatStorage", 1_000_000, 0, new long[] {2, 3}, c, "more than the"), // 4 MB in a ~600-byte file
            new Case("FloatStorage", 6, 0, new long[] {1L << 40, 1L << 40}, new long[] {1, 1}, "has more than 2^63 elements"),
            new Case("FloatStorage", 6, 0, new long[] {-1, 3}, c, "negative dimension in shape [-1, 3]"),
            new Case("FloatStorage", 6, 0, new long[] {2, 3}, new long[] {3, -1}, "negative stride"),
            new Case("FloatStorage", 6, 0, new long[] {3, 3}, c, "reach element 8, beyond its storage of 6 elements"),
            new Case("FloatStorage", 6, 1, new long[] {2, 3}, c, "beyond its storage of 6 elements"),
            new Case("FloatStorage", 6, -1, new long[] {2, 3}, c, "negative storage offset -1"),
            new Case("FloatStorage", 6, Long.MAX_VALUE, new long[] {2, 3}, c, "beyond its storage"),
            new Case("FloatStorage", 6, 0, new long[] {2, 3}, new long[] {Long.MAX_VALUE, 1}, "beyond its storage"),
            new Case("FloatStorage", 6, 0, new long[33], new long[33], "33 dimensions, at most 32"),
            new Case("FloatStorage", 6, 0, new long[] {2, 3}, new long[] {1}, "have different lengths"),
        };
        for (String format : TorchFiles.formats()) {
            for (Case k : cases) {
                byte[] pickle = PickleBuilder.proto2().orderedDictStart().str("w")
                        .tensorV2(k.type, "0", k.numel, k.offset, k.size, k.stride, format.equals("legacy")).setitems().stop().bytes();
                assertRefused(format, pickle).as(k.message).hasMessageContaining(k.message);
            }
        }
    }

    @Test
    void storageDataMissingOrOfTheWrongSizeIsRefused() throws IOException {
        // The pickle declares 6 floats; the data holds 5.
        Map<String, float[]> short5 = Map.of("0", new float[] {1, 2, 3, 4, 5});
        assertRefused("legacy", TorchFiles.oneTensorPickle(true), short5)
                .hasMessageContaining("storage '0'").hasMessageContaining("declares 6 elements, the file says 5");
        assertRefused("zip", TorchFiles.oneTensorPickle(false), short5)
                .hasMessageContaining("holds 20 bytes, but storage '0' declares 6 float32 elements = 24 bytes");
        assertRefused("zip", TorchFiles.oneTensorPickle(false), Map.of("1", new float[6]))
                .hasMessageContaining("the zip has no entry archive/data/0");
        // Legacy: the key list must name exactly the storages used.
        assertRefused("legacy", TorchFiles.oneTensorPickle(true), Map.of("1", new float[6]))
                .hasMessageContaining("storage-key list holds str '1', which is not a storage the state dict uses");
        // Both storages of a two-tensor dict are used, but the key list names only one: its data would be missing.
        byte[] two = PickleBuilder.proto2().orderedDictStart()
                .str("a").tensorV2("FloatStorage", "0", 6, 0, new long[] {6}, new long[] {1}, true)
                .str("b").tensorV2("FloatStorage", "1", 6, 0, new long[] {6}, new long[] {1}, true).setitems().stop().bytes();
        assertRefused("legacy", two).hasMessageContaining("uses storage '1', but the storage-key list does not include it");
    }

    @Test
    void legacyStorageLargerThanWhatIsLeftOfTheFileIsTruncation() throws IOException {
        // 60 floats declared and counted, but the file ends after 6 of them.
        byte[] pickle = PickleBuilder.proto2().orderedDictStart().str("w")
                .tensorV2("FloatStorage", "0", 60, 0, new long[] {6}, new long[] {1}, true).setitems().stop().bytes();
        byte[] full = TorchFiles.legacy(pickle, Map.of("0", new float[60]));
        Path p = TorchFiles.write(dir, "short.pth", Arrays.copyOf(full, full.length - 4 * 54));
        assertThatThrownBy(() -> openAndReadAll(p)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("file is truncated: expected 240 bytes of data of storage '0'");
    }

    @Test
    void deepNestingAndRecursiveStructuresFailFastWithoutStackOverflow() throws IOException {
        PickleBuilder marks = PickleBuilder.proto2();
        for (int i = 0; i < 100_000; i++) marks.mark();
        for (int i = 0; i < 100_000; i++) marks.op('l');
        assertRefused("legacy", marks.stop().bytes()).hasMessageContaining("nesting deeper than 1000 MARKs");

        // 100k lists nested without MARKs: built iteratively, then rejected as "not a state dict" without recursion.
        PickleBuilder lists = PickleBuilder.proto2();
        for (int i = 0; i < 100_000; i++) lists.emptyList();
        for (int i = 0; i < 99_999; i++) lists.op('a');
        assertRefused("zip", lists.stop().bytes()).hasMessageContaining("expected the pickle to hold a state dict").hasMessageContaining("found list of 1");

        // A dict that contains itself, and a list that contains itself as a dict value.
        byte[] selfDict = PickleBuilder.proto2().emptyDict().put(0).str("a").get(0).setitem().stop().bytes();
        assertRefused("zip", selfDict).hasMessageContaining("entry 'a' is dict of 1");
        byte[] selfList = PickleBuilder.proto2().emptyDict().str("a").emptyList().put(1).get(1).op('a').setitem().stop().bytes();
        assertRefused("legacy", selfList).hasMessageContaining("entry 'a' is list of 1");

        // Unhashable (possibly cyclic) containers are never used as dict keys.
        byte[] tupleKey = PickleBuilder.proto2().emptyDict().tupleOf(1, 2).str("v").setitem().stop().bytes();
        assertRefused("legacy", tupleKey).hasMessageContaining("dict key must be a str, int, float, bool or None, found tuple of 2");
    }

    @Test
    void memoAndStackMisuseIsRefused() throws IOException {
        assertRefused("legacy", PickleBuilder.proto2().get(5).stop().bytes()).hasMessageContaining("memo get of index 5, which was never stored");
        assertRefused("zip", PickleBuilder.proto2().op('j', 0xff, 0xff, 0xff, 0xff).stop().bytes())
                .hasMessageContaining("memo get of index 4294967295");
        assertRefused("zip", PickleBuilder.proto2().op('r', 0xff, 0xff, 0xff, 0xff).stop().bytes()).hasMessageContaining("the stack is empty");
        assertRefused("zip", PickleBuilder.proto2().reduce().stop().bytes()).hasMessageContaining("pop from an empty stack");
        assertRefused("zip", PickleBuilder.proto2().stop().bytes()).hasMessageContaining("STOP with an empty stack");
        assertRefused("zip", PickleBuilder.proto2().emptyDict().setitems().stop().bytes()).hasMessageContaining("no MARK on the stack");
        assertRefused("zip", PickleBuilder.proto2().emptyDict().mark().str("k").setitems().stop().bytes())
                .hasMessageContaining("key/value pairs, found 1");
        assertRefused("zip", PickleBuilder.proto2().str("x").integer(1).op('a').stop().bytes()).hasMessageContaining("APPEND on str 'x'; expected a list");
        // Values below a MARK belong to the enclosing container: REDUCE right after MARK may not take them.
        assertRefused("zip", PickleBuilder.proto2().global("collections", "OrderedDict").emptyTuple().mark().reduce().stop().bytes())
                .hasMessageContaining("pop from an empty stack");
        assertRefused("legacy", new PickleBuilder().op(0x80, 6).none().stop().bytes()).hasMessageContaining("unsupported pickle protocol 6");
    }

    @Test
    void buildIsOnlyAllowedForStateDictAttributes() throws IOException {
        byte[] onTensor = PickleBuilder.proto2().orderedDictStart().str("w")
                .tensorV2("FloatStorage", "0", 6, 0, new long[] {6}, new long[] {1}, false).emptyDict().build().setitems().stop().bytes();
        assertRefused("zip", onTensor).hasMessageContaining("BUILD on tensor is not allowed");
        byte[] onList = PickleBuilder.proto2().emptyList().emptyDict().build().stop().bytes();
        assertRefused("zip", onList).hasMessageContaining("BUILD on list of 0 is not allowed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"X", "B", "T", "\u008d", "\u008e"})
    void hugeDeclaredLengthsAreCheckedBeforeAllocating(String opcode) throws IOException {
        PickleBuilder b = PickleBuilder.proto2().op(opcode.charAt(0));
        if (opcode.charAt(0) >= 0x8d) b.raw(PickleBuilder.le64(1L << 62));
        else b.raw(PickleBuilder.le32(opcode.equals("T") ? Integer.MAX_VALUE : 0xFFFFFFF0));
        assertRefused("legacy", b.stop().bytes()).hasMessageMatching("(?s).*(truncated: needed \\d+ more bytes|exceeds the \\d+ bytes left).*");
        assertRefused("zip", b.stop().bytes()).hasMessageMatching("(?s).*(truncated: needed \\d+ more bytes|exceeds the \\d+ bytes left).*");
    }

    @Test
    void aStringLongerThanThePickleLimitIsRefusedBeforeItIsRead() throws IOException {
        // A legacy file whose state-dict pickle starts a 65 MiB string; the file really is that long (sparse zeros).
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(TorchFiles.legacyHeader());
        out.writeBytes(PickleBuilder.proto2().op('X').raw(PickleBuilder.le32(65 << 20)).bytes());
        Path p = TorchFiles.write(dir, "long-string.pth", out.toByteArray());
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(out.size() + (66L << 20));
        }
        assertThatThrownBy(() -> WeightsFiles.open(p)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("a 68157440-byte string would make the pickle longer than 67108864 bytes");
    }

    @Test
    void persistentIdsMustBeWellFormedStorages() throws IOException {
        byte[] module = PickleBuilder.proto2().mark().str("module").str("x").none().none().tuple().binpersid().stop().bytes();
        assertRefused("legacy", module).hasMessageContaining("expected ('storage', type, key, location, numel[, view])");
        byte[] keyNotStr = PickleBuilder.proto2().mark().str("storage").global("torch", "FloatStorage").integer(0).str("cpu").integer(6)
                .tuple().binpersid().stop().bytes();
        assertRefused("zip", keyNotStr).hasMessageContaining("storage key must be a str, found int 0");
        byte[] inconsistent = PickleBuilder.proto2().orderedDictStart()
                .str("a").tensorV2("FloatStorage", "0", 6, 0, new long[] {6}, new long[] {1}, false)
                .str("b").tensorV2("DoubleStorage", "0", 3, 0, new long[] {3}, new long[] {1}, false).setitems().stop().bytes();
        assertRefused("zip", inconsistent).hasMessageContaining("storage '0' was declared as 6 float32 elements and now as 3 float64");
        byte[] inHeader = new PickleBuilder().op(0x80, 2).mark().str("storage").tuple().binpersid().stop().bytes();
        ByteArrayOutputStream legacy = new ByteArrayOutputStream();
        legacy.writeBytes(inHeader);
        Path p = TorchFiles.write(dir, "pid-in-magic.pth", legacy.toByteArray());
        assertThatThrownBy(() -> openAndReadAll(p)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("persistent id tuple of 1 where none is allowed");
    }

    @Test
    void nonTensorValuesAndNonDictRootsAreRefusedClearly() throws IOException {
        byte[] checkpoint = PickleBuilder.proto2().emptyDict().mark().str("epoch").integer(3).setitems().stop().bytes();
        assertRefused("zip", checkpoint).hasMessageContaining("entry 'epoch' is int 3").hasMessageContaining("save model.state_dict()");
        assertRefused("legacy", PickleBuilder.proto2().none().stop().bytes()).hasMessageContaining("found None");
    }

    @Test
    void python2StyleOrderedDictStringsAndStorageViewsAreRead() throws IOException {
        // What torch 0.3 on Python 2 wrote: OrderedDict([[k, v]]) with str (BINSTRING) keys, the 4-argument
        // _rebuild_tensor, and a persistent id with view metadata (view_key, offset 2, size 4) into storage "0".
        byte[] pickle = PickleBuilder.proto2().global("collections", "OrderedDict").emptyList().mark()
                .emptyList().mark().py2str("w").global("torch._utils", "_rebuild_tensor").mark()
                .mark().py2str("storage").global("torch", "FloatStorage").py2str("0").py2str("cpu").integer(6)
                .mark().py2str("1").integer(2).integer(4).tuple().tuple().binpersid()
                .integer(1).tupleOf(3).tupleOf(1).tuple().reduce().appends().appends().op(0x85).reduce().stop().bytes();
        Path p = TorchFiles.write(dir, "py2.pth", TorchFiles.legacy(pickle, TorchFiles.oneStorage()));
        try (WeightsReader r = WeightsFiles.open(p)) {
            assertThat(r.tensors()).containsExactly(new TensorInfo("w", "float32", new long[] {3}));
            // view starts at element 2 of [1..6]; tensor offset 1 into the view: elements 4, 5, 6.
            assertIdentical("w", r.read("w"), Nd4j.createFromArray(4f, 5f, 6f));
        }
        // A view reaching past its root storage is refused.
        byte[] badView = PickleBuilder.proto2().mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(6)
                .mark().str("1").integer(4).integer(4).tuple().tuple().binpersid().stop().bytes();
        assertRefused("legacy", badView).hasMessageContaining("storage view must be (key, offset, size) inside the 6-element storage '0'");
    }

    @Test
    void legacyFilesMustEndAfterTheLastStorage() throws IOException {
        byte[] valid = TorchFiles.legacy(TorchFiles.oneTensorPickle(true), TorchFiles.oneStorage());
        Path p = TorchFiles.write(dir, "trailing.pth", Arrays.copyOf(valid, valid.length + 3));
        assertThatThrownBy(() -> openAndReadAll(p)).isExactlyInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("but it has 3 more bytes");
        Files.delete(p);
    }
}
