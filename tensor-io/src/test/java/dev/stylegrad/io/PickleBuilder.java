package dev.stylegrad.io;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes pickle opcodes by hand, so tests can build exactly the (hostile) streams they need. */
final class PickleBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static PickleBuilder proto2() {
        return new PickleBuilder().op(0x80).op(2);
    }

    PickleBuilder op(int... bytes) {
        for (int b : bytes) out.write(b);
        return this;
    }

    PickleBuilder raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    PickleBuilder global(String module, String name) {
        op('c');
        raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    PickleBuilder stackGlobal(String module, String name) {
        return str(module).str(name).op(0x93);
    }

    PickleBuilder str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        raw(le32(b.length));
        return raw(b);
    }

    /** Python 2 str (SHORT_BINSTRING). */
    PickleBuilder py2str(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        op('U', b.length);
        return raw(b);
    }

    PickleBuilder integer(long v) {
        if (v >= 0 && v < 256) return op('K', (int) v);
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            op('J');
            return raw(le32((int) v));
        }
        op(0x8a, 8);
        return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    PickleBuilder none() {
        return op('N');
    }

    PickleBuilder bool(boolean b) {
        return op(b ? 0x88 : 0x89);
    }

    PickleBuilder mark() {
        return op('(');
    }

    PickleBuilder tuple() {
        return op('t');
    }

    PickleBuilder tupleOf(long... values) {
        mark();
        for (long v : values) integer(v);
        return tuple();
    }

    PickleBuilder emptyTuple() {
        return op(')');
    }

    PickleBuilder emptyDict() {
        return op('}');
    }

    PickleBuilder emptyList() {
        return op(']');
    }

    PickleBuilder setitems() {
        return op('u');
    }

    PickleBuilder setitem() {
        return op('s');
    }

    PickleBuilder appends() {
        return op('e');
    }

    PickleBuilder reduce() {
        return op('R');
    }

    PickleBuilder build() {
        return op('b');
    }

    PickleBuilder binpersid() {
        return op('Q');
    }

    PickleBuilder put(int i) {
        return op('q', i);
    }

    PickleBuilder get(int i) {
        return op('h', i);
    }

    PickleBuilder stop() {
        return op('.');
    }

    /** A persistent id tuple ('storage', torch.&lt;type&gt;, key, 'cpu', numel[, None]) followed by BINPERSID. */
    PickleBuilder storage(String type, String key, long numel, boolean legacy) {
        mark().str("storage").global("torch", type).str(key).str("cpu").integer(numel);
        if (legacy) none();
        return tuple().binpersid();
    }

    /** _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()) with the REDUCE. */
    PickleBuilder tensorV2(String type, String key, long numel, long offset, long[] size, long[] stride, boolean legacy) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        storage(type, key, numel, legacy).integer(offset).tupleOf(size).tupleOf(stride).bool(false);
        global("collections", "OrderedDict").emptyTuple().reduce();
        return tuple().reduce();
    }

    /** An OrderedDict state dict prologue: OrderedDict() then MARK for SETITEMS. */
    PickleBuilder orderedDictStart() {
        return global("collections", "OrderedDict").emptyTuple().reduce().mark();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }
}
