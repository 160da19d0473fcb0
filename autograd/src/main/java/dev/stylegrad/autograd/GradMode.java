package dev.stylegrad.autograd;

/** Whether ops record themselves on the tape (per thread). Recording is on unless a {@link #noGrad()} scope is open. */
public final class GradMode {
    private static final ThreadLocal<int[]> DISABLED_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private GradMode() {}

    public static boolean isEnabled() {
        return DISABLED_DEPTH.get()[0] == 0;
    }

    /**
     * Opens a scope in which no op records a node, so results need no gradient and hold no references to their
     * inputs. Scopes nest; close it with try-with-resources.
     */
    public static Scope noGrad() {
        DISABLED_DEPTH.get()[0]++;
        return new Scope();
    }

    /** An open no-grad scope. */
    public static final class Scope implements AutoCloseable {
        private boolean closed;

        private Scope() {}

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                DISABLED_DEPTH.get()[0]--;
            }
        }
    }
}
