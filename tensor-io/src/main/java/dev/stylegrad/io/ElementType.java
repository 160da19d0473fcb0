package dev.stylegrad.io;

/**
 * Element types a weights file can declare, with their names in the three formats: our dtype name (as in
 * {@link TensorInfo}), PyTorch's legacy storage class ({@code torch.FloatStorage} …) and the safetensors code.
 * Only the floating types can be read as float32; the others are listed so metadata of a whole file can be shown.
 */
enum ElementType {
    FLOAT32("float32", 4, "FloatStorage", "F32", true),
    FLOAT64("float64", 8, "DoubleStorage", "F64", true),
    FLOAT16("float16", 2, "HalfStorage", "F16", true),
    BFLOAT16("bfloat16", 2, "BFloat16Storage", "BF16", true),
    INT64("int64", 8, "LongStorage", "I64", false),
    INT32("int32", 4, "IntStorage", "I32", false),
    INT16("int16", 2, "ShortStorage", "I16", false),
    INT8("int8", 1, "CharStorage", "I8", false),
    UINT8("uint8", 1, "ByteStorage", "U8", false),
    BOOL("bool", 1, "BoolStorage", "BOOL", false);

    final String dtype;
    final int size;
    final String torchStorage;
    final String safetensors;
    final boolean floating;

    ElementType(String dtype, int size, String torchStorage, String safetensors, boolean floating) {
        this.dtype = dtype;
        this.size = size;
        this.torchStorage = torchStorage;
        this.safetensors = safetensors;
        this.floating = floating;
    }

    /** The type whose PyTorch storage class is {@code name}, or null. */
    static ElementType ofTorchStorage(String name) {
        for (ElementType t : values()) if (t.torchStorage.equals(name)) return t;
        return null;
    }

    /** The type whose safetensors code is {@code code}, or null. */
    static ElementType ofSafetensors(String code) {
        for (ElementType t : values()) if (t.safetensors.equals(code)) return t;
        return null;
    }
}
