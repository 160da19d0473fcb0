package dev.stylegrad.io;

import dev.stylegrad.tensor.DType;
import dev.stylegrad.tensor.Shapes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * NumPy {@code .npy} files (format 1.0 written; 1.0–3.0 read) holding little-endian float32 or float64 arrays in C
 * order: the exchange format for PyTorch fixtures and for {@code stylegrad features}.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /** Reads a float32 or float64 {@code .npy} file; any other content is an {@link IOException} naming the file. */
    public static INDArray read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes.length <= i || bytes[i] != MAGIC[i]) throw new IOException(file + ": not a .npy file (bad magic)");
        }
        if (bytes.length < 10) throw new IOException(file + ": truncated .npy header");
        int major = bytes[6];
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(buf.getShort(8));
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) throw new IOException(file + ": truncated .npy header");
            headerLen = buf.getInt(8);
            headerStart = 12;
        } else {
            throw new IOException(file + ": unsupported .npy version " + major);
        }
        if (headerLen < 0 || headerStart + (long) headerLen > bytes.length) throw new IOException(file + ": truncated .npy header");
        String header = new String(bytes, headerStart, headerLen, StandardCharsets.ISO_8859_1);
        String descr = group(file, DESCR, header, "descr");
        if ("True".equals(group(file, ORDER, header, "fortran_order"))) {
            throw new IOException(file + ": Fortran-ordered arrays are not supported; save with C order");
        }
        long[] shape = parseShape(file, group(file, SHAPE, header, "shape"));
        DataType type = switch (descr) {
            case "<f4" -> DataType.FLOAT;
            case "<f8" -> DataType.DOUBLE;
            default -> throw new IOException(file + ": expected dtype '<f4' or '<f8', found '" + descr + "'");
        };
        long count = Shapes.size(shape);
        int width = type == DataType.FLOAT ? 4 : 8;
        int dataStart = headerStart + headerLen;
        if (bytes.length - dataStart != count * width) {
            throw new IOException(file + ": expected " + count * width + " data bytes for shape " + Shapes.format(shape)
                    + ", found " + (bytes.length - dataStart));
        }
        buf.position(dataStart);
        if (type == DataType.FLOAT) {
            float[] data = new float[(int) count];
            buf.asFloatBuffer().get(data);
            return Nd4j.create(data, shape, 'c');
        }
        double[] data = new double[(int) count];
        buf.asDoubleBuffer().get(data);
        return Nd4j.create(data, shape, 'c');
    }

    /**
     * Writes a float32 or float64 array as {@code .npy} version 1.0. Written atomically ({@link AtomicFiles}): a
     * crash never leaves a partial file.
     */
    public static void write(INDArray array, Path file) throws IOException {
        DType dtype = DType.of("npy write", "array", array);
        long[] shape = array.shape();
        StringBuilder shapeText = new StringBuilder();
        for (int i = 0; i < shape.length; i++) shapeText.append(shape[i]).append(shape.length == 1 || i < shape.length - 1 ? "," : "");
        String header = "{'descr': '" + (dtype == DType.FLOAT32 ? "<f4" : "<f8") + "', 'fortran_order': False, 'shape': ("
                + shapeText.toString().replace(",", ", ").trim() + "), }";
        // Pad so the data starts on a 64-byte boundary, ending the header with a newline as NumPy does.
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        INDArray c = array.dup('c');
        long count = c.length();
        int width = dtype == DType.FLOAT32 ? 4 : 8;
        ByteBuffer data = ByteBuffer.allocate((int) (count * width)).order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == DType.FLOAT32) data.asFloatBuffer().put(c.data().asFloat());
        else data.asDoubleBuffer().put(c.data().asDouble());
        String headerText = header;
        AtomicFiles.write(file, out -> {
            ByteBuffer head = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
            head.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) headerText.length());
            out.write(head.array());
            out.write(headerText.getBytes(StandardCharsets.ISO_8859_1));
            out.write(data.array());
        });
    }

    private static String group(Path file, Pattern p, String header, String key) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) throw new IOException(file + ": .npy header has no '" + key + "': " + header.trim());
        return m.group(1);
    }

    private static long[] parseShape(Path file, String text) throws IOException {
        String[] parts = text.split(",");
        long[] dims = new long[parts.length];
        int n = 0;
        for (String part : parts) {
            String t = part.trim();
            if (t.isEmpty()) continue;
            try {
                dims[n] = Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new IOException(file + ": bad shape entry '" + t + "' in .npy header");
            }
            if (dims[n] < 0) throw new IOException(file + ": negative dimension in .npy shape (" + text + ")");
            n++;
        }
        return java.util.Arrays.copyOf(dims, n);
    }
}
