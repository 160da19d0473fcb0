package dev.stylegrad.io;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle interpreter that can build only plain data (None, bools, ints, floats, str, bytes, tuples, lists, dicts)
 * plus what {@link TorchGlobal} allows. It executes nothing: globals are looked up in the allow-list, REDUCE only
 * dispatches to those few rebuild functions, and the object-creating opcodes (INST, OBJ, NEWOBJ, NEWOBJ_EX), the
 * extension registry and out-of-band buffers are refused. Every resource is bounded so hostile input fails fast with a
 * {@link WeightsFormatException}: lengths by the bytes left in the pickle, the pickle itself by
 * {@link #MAX_PICKLE_BYTES}, and stack, mark nesting, memo and total container items by the constants below. Nothing
 * here recurses over the values it builds, so cyclic or deeply nested structures cannot overflow the Java stack.
 */
final class RestrictedUnpickler {
    /** A state dict's pickle holds only names and small tuples (VGG19's is 5.5 KB); 64 MiB is far beyond any real one. */
    static final long MAX_PICKLE_BYTES = 64L << 20;
    static final int MAX_STACK = 1 << 20;
    static final int MAX_MARK_DEPTH = 1000;
    static final int MAX_MEMO = 1 << 20;
    static final long MAX_ITEMS = 1 << 23;
    /** Longest LONG4 integer accepted; anything a state dict needs fits in 8 bytes. */
    static final int MAX_LONG_BYTES = 1024;
    private static final int MAX_TEXT_LINE = 1024;

    /** Resolves a persistent id (BINPERSID) to the object it stands for, e.g. a storage reference. */
    interface PersistentLoader {
        Object load(Object pid, long offset) throws WeightsFormatException;
    }

    private final Path file;
    private final PickleInput in;
    private final PersistentLoader loader;
    private final String what;
    private final List<Object> stack = new ArrayList<>();
    private int[] marks = new int[16];
    private int markDepth;
    private final Map<Long, Object> memo = new HashMap<>();
    private long items;
    private long opAt;
    private long start;

    /**
     * @param what   names the pickle in messages, e.g. "the pickled state dict"
     * @param loader resolves persistent ids, or null if the pickle may not contain any
     */
    RestrictedUnpickler(PickleInput in, PersistentLoader loader, String what) {
        this.file = in.file().path;
        this.in = in;
        this.loader = loader;
        this.what = what;
    }

    /** Convenience: unpickles one object from {@code in}, which is left just after the STOP opcode. */
    static Object load(PickleInput in, PersistentLoader loader, String what) throws IOException {
        return new RestrictedUnpickler(in, loader, what).load();
    }

    Object load() throws IOException {
        in.describe(what);
        start = in.position();
        while (true) {
            opAt = in.position();
            if (opAt - start > MAX_PICKLE_BYTES) fail("pickle is longer than " + MAX_PICKLE_BYTES + " bytes");
            int op = in.readByte();
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = in.readByte();
                    if (v > 5) fail("unsupported pickle protocol " + v + " (expected 2 to 5)");
                }
                case 0x95 -> { // FRAME: only a read-ahead hint; the length must still fit
                    long n = in.readI64();
                    if (n < 0 || n > in.remaining()) fail("frame length " + n + " exceeds the " + in.remaining() + " bytes left");
                }
                case '.' -> { // STOP
                    if (stack.isEmpty()) fail("STOP with an empty stack");
                    return stack.get(stack.size() - 1);
                }
                case '(' -> mark();
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> push(peek());
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'K' -> push((long) in.readByte());
                case 'M' -> push((long) in.readU16());
                case 'J' -> push((long) in.readI32());
                case 0x8a -> push(readLong(in.readByte()));
                case 0x8b -> {
                    int n = in.readI32();
                    if (n < 0 || n > MAX_LONG_BYTES) fail("LONG4 integer of " + n + " bytes (at most " + MAX_LONG_BYTES + " accepted)");
                    push(readLong(n));
                }
                case 'G' -> push(in.readF64BigEndian());
                case 'X' -> push(utf8(bytes(Integer.toUnsignedLong(in.readI32()))));
                case 0x8c -> push(utf8(bytes(in.readByte())));
                case 0x8d -> push(utf8(bytes(length64())));
                case 'T' -> push(latin1(bytes(signedLength(in.readI32()))));  // Python 2 str
                case 'U' -> push(latin1(bytes(in.readByte())));
                case 'B' -> push(new Py.Bytes(bytes(Integer.toUnsignedLong(in.readI32()))));
                case 'C' -> push(new Py.Bytes(bytes(in.readByte())));
                case 0x8e -> push(new Py.Bytes(bytes(length64())));
                case ')' -> push(new Py.Tuple(List.of()));
                case 0x85 -> push(tuple(1));
                case 0x86 -> push(tuple(2));
                case 0x87 -> push(tuple(3));
                case 't' -> push(new Py.Tuple(count(popToMark())));
                case ']' -> push(new Py.PyList());
                case 'l' -> {
                    Py.PyList l = new Py.PyList();
                    l.items.addAll(count(popToMark()));
                    push(l);
                }
                case 'a' -> {
                    Object v = pop();
                    list(peek(), "APPEND").items.add(count(v));
                }
                case 'e' -> {
                    List<Object> vs = popToMark();
                    list(peek(), "APPENDS").items.addAll(count(vs));
                }
                case '}' -> push(new Py.Dict(false));
                case 'd' -> {
                    List<Object> kv = popToMark();
                    Py.Dict d = new Py.Dict(false);
                    setItems(d, kv);
                    push(d);
                }
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    setItems(dict(peek(), "SETITEM"), pair(k, v));
                }
                case 'u' -> {
                    List<Object> kv = popToMark();
                    setItems(dict(peek(), "SETITEMS"), kv);
                }
                case 'h' -> push(memoGet(in.readByte()));
                case 'j' -> push(memoGet(Integer.toUnsignedLong(in.readI32())));
                case 'q' -> memoPut(in.readByte());
                case 'r' -> memoPut(Integer.toUnsignedLong(in.readI32()));
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 'c' -> {
                    String module = in.readLine(MAX_TEXT_LINE);
                    String name = in.readLine(MAX_TEXT_LINE);
                    push(global(module, name));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error("STACK_GLOBAL needs two strings, found " + Py.describe(module) + " and " + Py.describe(name));
                    }
                    push(global(m, n));
                }
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(reduce(callable, args));
                }
                case 'b' -> build();
                case 'Q' -> { // BINPERSID
                    Object pid = pop();
                    if (loader == null) fail("persistent id " + Py.describe(pid) + " where none is allowed");
                    push(loader.load(pid, opAt));
                }
                case 'i', 'o', 0x81, 0x92 -> fail("opcode " + opName(op) + " would construct an arbitrary object; "
                        + "only the rebuild functions a state dict needs are allowed");
                case 0x82, 0x83, 0x84 -> fail("opcode " + opName(op) + " (copyreg extension registry) is not allowed");
                case 'P', 'I', 'L', 'F', 'S', 'V', 'g', 'p' -> fail("protocol-0 text opcode " + opName(op)
                        + " is not supported (PyTorch writes pickle protocol 2)");
                default -> fail("opcode 0x" + Integer.toHexString(op) + " ('" + printable(op) + "') is not supported"
                        + " in a state dict");
            }
        }
    }

    private Object global(String module, String name) throws WeightsFormatException {
        Object g = TorchGlobal.lookup(module, name);
        if (g == null) {
            throw error("refusing pickle global '" + Py.clip(module) + "." + Py.clip(name) + "': a weights file may only use "
                    + TorchGlobal.allowed() + "; nothing in the file was executed");
        }
        return g;
    }

    private Object reduce(Object callable, Object args) throws WeightsFormatException {
        if (!(args instanceof Py.Tuple t)) {
            throw error("REDUCE arguments must be a tuple, found " + Py.describe(args));
        }
        if (callable instanceof TorchGlobal g) return g.call(file, t, opAt);
        if (callable instanceof ElementType e) {
            throw error("refusing to call storage class torch." + e.torchStorage + "; storages are only allowed in persistent ids");
        }
        throw error("refusing to call " + Py.describe(callable) + "; only " + TorchGlobal.allowed() + " may be called");
    }

    /** BUILD: only an OrderedDict's instance state (the {@code _metadata} torch sets on state dicts) is accepted. */
    private void build() throws WeightsFormatException {
        Object state = pop();
        Object target = peek();
        if (!(target instanceof Py.Dict d)) {
            throw error("BUILD on " + Py.describe(target) + " is not allowed; only a state dict's attributes may be set");
        }
        Object slots = null;
        if (state instanceof Py.Tuple t && t.size() == 2) { // (instance dict, slot state)
            slots = t.get(1);
            state = t.get(0);
        }
        for (Object s : new Object[] {state, slots}) {
            if (s == null) continue;
            if (!(s instanceof Py.Dict sd)) throw error("BUILD state must be a dict, found " + Py.describe(s));
            for (Map.Entry<Object, Object> e : sd.items.entrySet()) {
                if (!(e.getKey() instanceof String)) throw error("attribute name must be a str, found " + Py.describe(e.getKey()));
                d.attributes.put(e.getKey(), e.getValue());
            }
        }
    }

    private Object memoGet(long index) throws WeightsFormatException {
        if (!memo.containsKey(index)) throw error("memo get of index " + index + ", which was never stored");
        return memo.get(index);
    }

    private void memoPut(long index) throws WeightsFormatException {
        if (!memo.containsKey(index) && memo.size() >= MAX_MEMO) throw error("more than " + MAX_MEMO + " memo entries");
        memo.put(index, peek());
    }

    private void setItems(Py.Dict d, List<Object> kv) throws WeightsFormatException {
        if (kv.size() % 2 != 0) throw error("dict items come in key/value pairs, found " + kv.size() + " values");
        for (int i = 0; i < kv.size(); i += 2) {
            Object k = kv.get(i);
            if (!Py.hashableScalar(k)) throw error("dict key must be a str, int, float, bool or None, found " + Py.describe(k));
            d.items.put(k, count(kv.get(i + 1)));
        }
    }

    private static List<Object> pair(Object k, Object v) {
        List<Object> kv = new ArrayList<>(2);
        kv.add(k);
        kv.add(v);
        return kv;
    }

    private Py.PyList list(Object o, String op) throws WeightsFormatException {
        if (o instanceof Py.PyList l) return l;
        throw error(op + " on " + Py.describe(o) + "; expected a list");
    }

    private Py.Dict dict(Object o, String op) throws WeightsFormatException {
        if (o instanceof Py.Dict d) return d;
        throw error(op + " on " + Py.describe(o) + "; expected a dict");
    }

    private Py.Tuple tuple(int n) throws WeightsFormatException {
        if (stack.size() - base() < n) throw error("TUPLE" + n + " needs " + n + " values on the stack");
        List<Object> top = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
        stack.subList(stack.size() - n, stack.size()).clear();
        return new Py.Tuple(count(top));
    }

    /** Reads a length-prefixed payload, which must fit in the bytes left and in the pickle size limit. */
    private byte[] bytes(long n) throws IOException {
        long budget = MAX_PICKLE_BYTES - (in.position() - start);
        if (n > budget && n <= in.remaining()) {
            throw error("a " + n + "-byte string would make the pickle longer than " + MAX_PICKLE_BYTES + " bytes");
        }
        return in.readBytes(n);
    }

    private Object readLong(int n) throws IOException {
        byte[] le = bytes(n);
        if (n == 0) return 0L;
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private long length64() throws IOException {
        long n = in.readI64();
        if (n < 0 || n > in.remaining()) throw error("length " + Long.toUnsignedString(n) + " exceeds the " + in.remaining() + " bytes left");
        return n;
    }

    private long signedLength(int n) throws WeightsFormatException {
        if (n < 0) throw error("negative string length " + n);
        return n;
    }

    private String utf8(byte[] b) throws WeightsFormatException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw error("string of " + b.length + " bytes is not valid UTF-8");
        }
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private void mark() throws WeightsFormatException {
        if (markDepth >= MAX_MARK_DEPTH) throw error("nesting deeper than " + MAX_MARK_DEPTH + " MARKs");
        if (markDepth == marks.length) marks = Arrays.copyOf(marks, marks.length * 2);
        marks[markDepth++] = stack.size();
    }

    private int base() {
        return markDepth == 0 ? 0 : marks[markDepth - 1];
    }

    private List<Object> popToMark() throws WeightsFormatException {
        if (markDepth == 0) throw error("no MARK on the stack");
        int m = marks[--markDepth];
        List<Object> top = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return top;
    }

    private void popMark() throws WeightsFormatException {
        popToMark();
    }

    private void push(Object o) throws WeightsFormatException {
        if (stack.size() >= MAX_STACK) throw error("stack deeper than " + MAX_STACK + " values");
        stack.add(o);
    }

    /** Pops one value; values below the innermost MARK belong to an enclosing container and may not be taken. */
    private Object pop() throws WeightsFormatException {
        if (stack.size() <= base()) throw error("pop from an empty stack");
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws WeightsFormatException {
        if (stack.isEmpty()) throw error("the stack is empty");
        return stack.get(stack.size() - 1);
    }

    private <T> T count(T itemOrItems) throws WeightsFormatException {
        items += itemOrItems instanceof List<?> l ? l.size() : 1;
        if (items > MAX_ITEMS) throw error("more than " + MAX_ITEMS + " container items");
        return itemOrItems;
    }

    private void fail(String problem) throws WeightsFormatException {
        throw error(problem);
    }

    private WeightsFormatException error(String problem) {
        return new WeightsFormatException(file, what + ", offset " + opAt + ": " + problem);
    }

    private static String printable(int op) {
        return op >= 0x20 && op < 0x7f ? String.valueOf((char) op) : "\\x" + Integer.toHexString(op);
    }

    private static String opName(int op) {
        return switch (op) {
            case 'i' -> "INST";
            case 'o' -> "OBJ";
            case 0x81 -> "NEWOBJ";
            case 0x92 -> "NEWOBJ_EX";
            case 0x82 -> "EXT1";
            case 0x83 -> "EXT2";
            case 0x84 -> "EXT4";
            case 'P' -> "PERSID";
            case 'I' -> "INT";
            case 'L' -> "LONG";
            case 'F' -> "FLOAT";
            case 'S' -> "STRING";
            case 'V' -> "UNICODE";
            case 'g' -> "GET";
            case 'p' -> "PUT";
            default -> "0x" + Integer.toHexString(op);
        };
    }
}
