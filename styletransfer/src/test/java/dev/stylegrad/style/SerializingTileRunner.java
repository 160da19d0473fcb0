package dev.stylegrad.style;

import dev.stylegrad.models.Vgg;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * A runner that does what a cluster does to a task, in this JVM: each task is serialized, read back and run on the
 * network loaded again from the caller's {@link Vgg#spec()}, and its result travels back the same way.
 */
final class SerializingTileRunner implements TileRunner {
    private Vgg loaded;
    long bytesShipped;

    @Override
    public <R extends Serializable> void runAll(String phase, Vgg net, List<? extends TileTask<R>> tasks, Consumer<? super R> inOrder) {
        try {
            if (loaded == null) loaded = net.spec().load();
            for (TileTask<R> t : tasks) {
                @SuppressWarnings("unchecked")
                TileTask<R> remote = (TileTask<R>) roundTrip(t);
                @SuppressWarnings("unchecked")
                R back = (R) roundTrip(remote.run(loaded));
                inOrder.accept(back);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Object roundTrip(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        bytesShipped += bytes.size();
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return in.readObject();
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String describe() {
        return "serialized in this JVM";
    }
}
