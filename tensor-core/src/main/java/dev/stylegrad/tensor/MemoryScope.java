package dev.stylegrad.tensor;

import java.util.function.Supplier;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An owner for the off-heap memory of one unit of repeated work (one optimization step): every array created while
 * the scope is open, by our kernels or by ND4J, is placed in a block of memory the scope owns, and closing the scope
 * releases all of them at once. The block is sized on the first use of a scope with a given name and reused after,
 * so steady-state steps neither allocate nor page-fault, and 10,000 steps use the memory of one.
 *
 * <p>Built on ND4J workspaces. The GC does not see off-heap pressure, so nothing here relies on it.
 *
 * <p>Rules: an array created in a scope is invalid after the scope closes (ND4J then throws on use rather than
 * reading freed memory); copy out what must survive with {@link #keep}, and create long-lived state (parameters,
 * optimizer moments) with {@link #outside}. Scopes are per thread and nest; close them in reverse order, with
 * try-with-resources.
 */
public final class MemoryScope implements AutoCloseable {
    private static final WorkspaceConfiguration CONFIG = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.FIRST_LOOP)   // size the block from the first cycle's use
            .policyAllocation(AllocationPolicy.STRICT)   // exactly that size, no overallocation
            .policySpill(SpillPolicy.REALLOCATE)         // a bigger later cycle grows the block instead of failing
            .build();

    private final MemoryWorkspace workspace;
    private final String name;
    private boolean closed;

    private MemoryScope(String name, MemoryWorkspace workspace) {
        this.name = name;
        this.workspace = workspace;
    }

    /**
     * Opens (or reopens, reusing its memory) the scope with this name on the current thread. Use one name per kind
     * of repeated work, e.g. {@code "style-step"}.
     */
    public static MemoryScope open(String name) {
        MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, "stylegrad-" + name);
        return new MemoryScope(name, ws);
    }

    /** A copy of {@code array} that lives outside every scope, so it survives this one closing. */
    public static INDArray keep(INDArray array) {
        return array.isAttached() ? array.detach() : array;
    }

    /** Runs {@code body} with every scope suspended, so what it creates is long-lived (freed by close or GC). */
    public static <T> T outside(Supplier<T> body) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return body.get();
        }
    }

    /** Bytes this scope's block holds (0 until its first cycle has finished). */
    public long reservedBytes() {
        return workspace.getCurrentSize();
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            workspace.close();
        }
    }

    /** Destroys the scope's block for this thread, returning its memory; a later {@link #open} starts afresh. */
    public static void destroy(String name) {
        Nd4j.getWorkspaceManager().destroyWorkspace(Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread("stylegrad-" + name));
    }
}
