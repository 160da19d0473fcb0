package dev.stylegrad.style;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An array that a {@link StepTask} takes or returns: in this JVM it is the array itself (no copy); serialized (to a Spark
 * executor and back) it travels as its data type, shape and raw C-order bytes, so it arrives bit for bit.
 */
public final class ShippedArray implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private transient INDArray array;

    private ShippedArray(INDArray array) {
        this.array = array;
    }

    /** Wraps {@code array} (not copied: it must not change while a task may read it). */
    public static ShippedArray of(INDArray array) {
        return new ShippedArray(array);
    }

    public INDArray array() {
        return array;
    }

    /** Bytes it takes on the wire: what the cost model counts. */
    public long bytes() {
        return array.length() * array.dataType().width();
    }

    @Serial
    private void writeObject(ObjectOutputStream out) throws IOException {
        DataType type = array.dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) throw new java.io.NotSerializableException("a " + type + " array (only FLOAT and DOUBLE travel)");
        out.writeBoolean(type == DataType.DOUBLE);
        long[] shape = array.shape();
        out.writeInt(shape.length);
        for (long d : shape) out.writeLong(d);
        INDArray c = array.isView() || array.ordering() != 'c' ? array.dup('c') : array;
        java.nio.ByteBuffer bytes;
        if (type == DataType.DOUBLE) {
            double[] v = c.data().asDouble();
            bytes = java.nio.ByteBuffer.allocate(v.length * 8);
            bytes.asDoubleBuffer().put(v);
        } else {
            float[] v = c.data().asFloat();
            bytes = java.nio.ByteBuffer.allocate(v.length * 4);
            bytes.asFloatBuffer().put(v);
        }
        out.writeInt(bytes.capacity());
        out.write(bytes.array());
    }

    @Serial
    private void readObject(ObjectInputStream in) throws IOException {
        boolean isDouble = in.readBoolean();
        long[] shape = new long[in.readInt()];
        for (int k = 0; k < shape.length; k++) shape[k] = in.readLong();
        byte[] raw = new byte[in.readInt()];
        in.readFully(raw);
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(raw);
        if (isDouble) {
            double[] v = new double[raw.length / 8];
            bytes.asDoubleBuffer().get(v);
            array = Nd4j.create(v, shape, 'c');
        } else {
            float[] v = new float[raw.length / 4];
            bytes.asFloatBuffer().get(v);
            array = Nd4j.create(v, shape, 'c');
        }
    }
}
