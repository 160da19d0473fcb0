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
public final class SerializingStepRunner implements StepRunner {
    private final int parallelism;
    private Vgg loaded;
    public long bytesShipped;

    public SerializingStepRunner() {
        this(1);
    }

    /** One that cuts training batches into {@code parallelism} shards. */
    public SerializingStepRunner(int parallelism) {
        this.parallelism = parallelism;
    }

    @Override
    public int parallelism() {
        return parallelism;
    }

    @Override
    public <R extends Serializable> void runAll(String phase, Vgg net, List<? extends StepTask<R>> tasks, Consumer<? super R> inOrder) {
        try {
            if (loaded == null) loaded = net.spec().load();
            for (StepTask<R> t : tasks) {
                @SuppressWarnings("unchecked")
                StepTask<R> remote = (StepTask<R>) roundTrip(t);
                @SuppressWarnings("unchecked")
                R back = (R) roundTrip(remote.run(loaded));
                inOrder.accept(back);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As a broadcast: the value is serialized once and every task reads the one copy read back. */
    @Override
    public <T extends Serializable> Shared<T> share(T value, long bytes) {
        try {
            @SuppressWarnings("unchecked")
            T copy = (T) roundTrip(value);
            return Shared.inThisJvm(copy);
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
