package dev.stylegrad.io;

import java.nio.file.Path;
import java.util.List;

/**
 * The allow-list of pickle globals: the only callables a PyTorch state dict needs. A GLOBAL or STACK_GLOBAL naming
 * anything else (os.system, builtins.eval, subprocess.Popen, any class) is refused when it is read, before any
 * argument is even built; the unpickler never calls into Python or Java reflection, it only interprets these names.
 * Storage classes ({@code torch.FloatStorage} …) resolve to {@link ElementType} and may only appear inside persistent
 * ids, never be called.
 */
enum TorchGlobal {
    /** {@code OrderedDict()} (Python 3) or {@code OrderedDict([[k, v], …])} (Python 2): the state dict itself. */
    ORDERED_DICT("collections", "OrderedDict"),
    /** {@code _rebuild_tensor(storage, offset, size, stride)}: older torch, as in the published 2017 torchvision files. */
    REBUILD_TENSOR("torch._utils", "_rebuild_tensor"),
    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2"),
    /** {@code _rebuild_parameter(data, requires_grad, backward_hooks)}: an nn.Parameter; we keep its data. */
    REBUILD_PARAMETER("torch._utils", "_rebuild_parameter");

    final String module;
    final String name;

    TorchGlobal(String module, String name) {
        this.module = module;
        this.name = name;
    }

    String qualifiedName() {
        return module + "." + name;
    }

    /** The {@link TorchGlobal} or storage {@link ElementType} named, or null if the name is not on the allow-list. */
    static Object lookup(String module, String name) {
        for (TorchGlobal g : values()) {
            if (g.module.equals(module) && g.name.equals(name)) return g;
        }
        return module.equals("torch") ? ElementType.ofTorchStorage(name) : null;
    }

    /** What REDUCE does with this global: builds the dict or tensor reference; never anything else. */
    Object call(Path file, Py.Tuple args, long offset) throws WeightsFormatException {
        String context = qualifiedName() + " at offset " + offset;
        switch (this) {
            case ORDERED_DICT -> {
                Py.Dict d = new Py.Dict(true);
                if (args.size() == 0) return d;
                // Python 2 pickled OrderedDict as OrderedDict([[key, value], ...]).
                if (args.size() == 1 && args.get(0) instanceof Py.PyList pairs) {
                    for (Object p : pairs.items) {
                        List<Object> kv = p instanceof Py.PyList l ? l.items : p instanceof Py.Tuple t ? t.items : null;
                        if (kv == null || kv.size() != 2 || !Py.hashableScalar(kv.get(0))) {
                            throw new WeightsFormatException(file, context + ": expected [key, value] pairs, found " + Py.describe(p));
                        }
                        d.items.put(kv.get(0), kv.get(1));
                    }
                    return d;
                }
                throw new WeightsFormatException(file, context + ": unexpected arguments (" + describe(args) + ")");
            }
            case REBUILD_TENSOR, REBUILD_TENSOR_V2 -> {
                int n = args.size();
                boolean ok = this == REBUILD_TENSOR ? n == 4 : n == 6 || n == 7;
                if (!ok) {
                    throw new WeightsFormatException(file, context + ": expected " + (this == REBUILD_TENSOR ? "4" : "6 or 7")
                            + " arguments, found " + n);
                }
                if (!(args.get(0) instanceof StorageRef storage)) {
                    throw new WeightsFormatException(file, context + ": first argument must be a storage, found " + Py.describe(args.get(0)));
                }
                if (this == REBUILD_TENSOR_V2) {
                    checkFlagAndHooks(file, context, args.get(4), args.get(5));
                }
                return TensorRef.of(file, context, storage, toLong(file, context, "storage offset", args.get(1)),
                        longs(file, context, "size", args.get(2)), longs(file, context, "stride", args.get(3)));
            }
            case REBUILD_PARAMETER -> {
                if (args.size() != 3 || !(args.get(0) instanceof TensorRef data)) {
                    throw new WeightsFormatException(file, context + ": expected (tensor, requires_grad, hooks), found " + describe(args));
                }
                checkFlagAndHooks(file, context, args.get(1), args.get(2));
                return data;
            }
        }
        throw new AssertionError(this);
    }

    /** requires_grad must be a bool; backward hooks must be empty (hooks would be code). */
    private static void checkFlagAndHooks(Path file, String context, Object requiresGrad, Object hooks) throws WeightsFormatException {
        if (!(requiresGrad instanceof Boolean)) {
            throw new WeightsFormatException(file, context + ": requires_grad must be a bool, found " + Py.describe(requiresGrad));
        }
        if (hooks != null && !(hooks instanceof Py.Dict d && d.items.isEmpty())) {
            throw new WeightsFormatException(file, context + ": backward hooks must be empty, found " + Py.describe(hooks));
        }
    }

    private static long toLong(Path file, String context, String what, Object o) throws WeightsFormatException {
        if (o instanceof Long l) return l;
        throw new WeightsFormatException(file, context + ": " + what + " must be an int that fits in 64 bits, found " + Py.describe(o));
    }

    private static long[] longs(Path file, String context, String what, Object o) throws WeightsFormatException {
        if (!(o instanceof Py.Tuple t)) {
            throw new WeightsFormatException(file, context + ": " + what + " must be a tuple, found " + Py.describe(o));
        }
        if (t.size() > TensorRef.MAX_RANK) {
            throw new WeightsFormatException(file, context + ": " + what + " has " + t.size() + " dimensions, at most "
                    + TensorRef.MAX_RANK + " are supported");
        }
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) out[i] = toLong(file, context, what, t.get(i));
        return out;
    }

    private static String describe(Py.Tuple args) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(args.size(), 8); i++) sb.append(i == 0 ? "" : ", ").append(Py.describe(args.get(i)));
        return sb.append(args.size() > 8 ? ", …" : "").toString();
    }

    static String allowed() {
        StringBuilder sb = new StringBuilder();
        for (TorchGlobal g : values()) sb.append(g.qualifiedName()).append(", ");
        return sb.append("and the torch.*Storage types").toString();
    }
}
