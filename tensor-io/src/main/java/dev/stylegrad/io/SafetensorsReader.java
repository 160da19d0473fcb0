package dev.stylegrad.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads safetensors files: an unsigned 64-bit little-endian header length N, N bytes of UTF-8 JSON mapping each tensor
 * name to {@code {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}} (offsets relative to the data
 * section, which follows the header) plus an optional {@code "__metadata__"} string map, then the raw little-endian,
 * C-order data. The header is capped at {@link #MAX_HEADER_BYTES} and parsed with Jackson under tight limits, and the
 * tensors must tile the data section exactly (in range, no overlap, no gap, sizes matching dtype × shape), as the
 * reference implementation requires. {@link #tensors()} lists tensors in data order.
 */
final class SafetensorsReader implements WeightsReader {
    static final String FORMAT = "safetensors";
    /** The reference implementation's limit. */
    static final long MAX_HEADER_BYTES = 100L << 20;
    static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(8).maxNumberLength(40).maxStringLength((int) MAX_HEADER_BYTES).build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private record Stored(TensorInfo info, ElementType type, long begin, long end) {}

    private final FileRegion file;
    private final long dataStart;
    private final Map<String, Stored> stored;
    private final List<TensorInfo> infos;
    private final Map<String, String> metadata;

    private SafetensorsReader(FileRegion file, long dataStart, Map<String, Stored> stored, Map<String, String> metadata) {
        this.file = file;
        this.dataStart = dataStart;
        this.stored = stored;
        List<TensorInfo> list = new ArrayList<>();
        stored.values().forEach(s -> list.add(s.info()));
        this.infos = Collections.unmodifiableList(list);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    static SafetensorsReader open(Path path) throws IOException {
        return FileRegion.openWith(path, SafetensorsReader::parse);
    }

    /** The {@code __metadata__} strings (empty if absent). */
    Map<String, String> metadata() {
        return metadata;
    }

    private static SafetensorsReader parse(FileRegion file) throws IOException {
        Path path = file.path;
        long n = file.read(0, 8, "the safetensors header length").getLong();
        if (n < 2 || n > MAX_HEADER_BYTES) {
            throw new WeightsFormatException(path, "safetensors header length " + Long.toUnsignedString(n)
                    + " is outside the accepted range 2 to " + MAX_HEADER_BYTES + " bytes");
        }
        file.check(8, n, "the safetensors JSON header");
        ByteBuffer header = file.read(8, (int) n, "the safetensors JSON header");
        if (header.get(0) != '{') {
            throw new WeightsFormatException(path, "safetensors header must start with '{', found byte 0x" + Integer.toHexString(header.get(0) & 0xFF));
        }
        JsonNode root;
        try {
            // Decode strictly as UTF-8 ourselves: given bytes, Jackson would guess UTF-16/32 from their pattern.
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(header).toString();
            root = JSON.readTree(text);
        } catch (CharacterCodingException e) {
            throw new WeightsFormatException(path, "safetensors header is not valid UTF-8");
        } catch (JsonProcessingException e) {
            throw new WeightsFormatException(path, "safetensors header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new WeightsFormatException(path, "safetensors header must be a JSON object");

        long dataStart = 8 + n;
        long dataSize = file.size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Stored> list = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals(METADATA_KEY)) {
                if (!v.isObject()) throw new WeightsFormatException(path, "safetensors __metadata__ must be an object of strings");
                for (Iterator<Map.Entry<String, JsonNode>> m = v.fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> kv = m.next();
                    if (!kv.getValue().isTextual()) {
                        throw new WeightsFormatException(path, "safetensors __metadata__ value for '" + Py.clip(kv.getKey()) + "' must be a string");
                    }
                    metadata.put(kv.getKey(), kv.getValue().textValue());
                }
                continue;
            }
            list.add(tensor(path, name, v, dataSize));
        }

        // The tensors must tile the data section: sorted by offset, each starts where the previous ended.
        list.sort(Comparator.comparingLong(Stored::begin).thenComparingLong(Stored::end));
        long expected = 0;
        for (Stored s : list) {
            if (s.begin() != expected) {
                throw new WeightsFormatException(path, "safetensors tensor '" + Py.clip(s.info().name()) + "' starts at data offset "
                        + s.begin() + ", expected " + expected + (s.begin() < expected ? " (overlaps the previous tensor)" : " (gap)"));
            }
            expected = s.end();
        }
        if (expected != dataSize) {
            throw new WeightsFormatException(path, "safetensors data section holds " + dataSize + " bytes but its tensors cover "
                    + expected + (dataSize < expected ? " (file truncated)" : " (unexpected trailing bytes)"));
        }
        Map<String, Stored> stored = new LinkedHashMap<>();
        for (Stored s : list) stored.put(s.info().name(), s);
        return new SafetensorsReader(file, dataStart, stored, metadata);
    }

    private static Stored tensor(Path path, String name, JsonNode v, long dataSize) throws WeightsFormatException {
        String context = "safetensors tensor '" + Py.clip(name) + "'";
        if (!v.isObject()) throw new WeightsFormatException(path, context + ": expected an object with dtype, shape and data_offsets");
        JsonNode dtype = v.get("dtype");
        JsonNode shapeNode = v.get("shape");
        JsonNode offsets = v.get("data_offsets");
        if (dtype == null || !dtype.isTextual() || shapeNode == null || !shapeNode.isArray() || offsets == null
                || !offsets.isArray() || offsets.size() != 2) {
            throw new WeightsFormatException(path, context + ": expected \"dtype\" (string), \"shape\" (array) and "
                    + "\"data_offsets\" ([begin, end])");
        }
        ElementType type = ElementType.ofSafetensors(dtype.textValue());
        if (type == null) {
            throw new WeightsFormatException(path, context + ": unsupported dtype '" + Py.clip(dtype.textValue())
                    + "' (expected F32, F64, F16, BF16, I64, I32, I16, I8, U8 or BOOL)");
        }
        if (shapeNode.size() > TensorRef.MAX_RANK) {
            throw new WeightsFormatException(path, context + ": rank " + shapeNode.size() + " exceeds the maximum " + TensorRef.MAX_RANK);
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = nonNegativeLong(path, context, "shape", shapeNode.get(i));
        long numel = TensorRef.numel(path, context, shape);
        long begin = nonNegativeLong(path, context, "data_offsets", offsets.get(0));
        long end = nonNegativeLong(path, context, "data_offsets", offsets.get(1));
        if (end < begin || end > dataSize) {
            throw new WeightsFormatException(path, context + ": data_offsets [" + begin + ", " + end + ") are not inside the "
                    + dataSize + "-byte data section" + (end > dataSize ? " (file truncated?)" : ""));
        }
        if (numel > (end - begin) / type.size || numel * type.size != end - begin) {
            throw new WeightsFormatException(path, context + ": " + (end - begin) + " bytes of data, but dtype " + type.safetensors
                    + " and shape " + Arrays.toString(shape) + " need " + (numel > Long.MAX_VALUE / type.size ? "more" : numel * type.size));
        }
        return new Stored(new TensorInfo(name, type.dtype, shape), type, begin, end);
    }

    private static long nonNegativeLong(Path path, String context, String field, JsonNode n) throws WeightsFormatException {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new WeightsFormatException(path, context + ": " + field + " must hold non-negative integers, found " + Py.clip(String.valueOf(n)));
        }
        return n.longValue();
    }

    @Override
    public Path file() {
        return file.path;
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public List<TensorInfo> tensors() {
        return infos;
    }

    @Override
    public INDArray read(String name) throws IOException {
        Stored s = stored.get(name);
        if (s == null) throw TorchReader.unknownTensor(file.path, name, stored.keySet());
        long[] shape = s.info().shape();
        TensorDecoder.checkReadable(file.path, name, s.type(), shape);
        long bytes = s.end() - s.begin();
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new WeightsFormatException(file.path, "tensor '" + name + "' has " + bytes + " bytes; more than 2 GiB per tensor is not supported");
        }
        ByteBuffer buf = file.read(dataStart + s.begin(), (int) bytes, "data of tensor '" + name + "'");
        return TensorDecoder.decode(file.path, name, buf, s.type(), shape, TensorDecoder.contiguousStrides(shape));
    }

    /** Bytes this reader has read from the file so far (opening included). */
    long bytesRead() {
        return file.bytesRead();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
