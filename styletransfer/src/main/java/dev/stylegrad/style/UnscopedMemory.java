package dev.stylegrad.style;

/**
 * Off-heap memory that no {@link dev.stylegrad.tensor.MemoryScope} owns: ND4J frees an array it made outside our
 * scopes (small results, weights read from files, images resized or rendered for saving) only when the GC collects
 * the array, and the JVM rarely collects while its heap is calm. Measured: a run's RSS crept up 95 MB over 900 steps
 * at 128², all of it returned by one collection; reading weights and resizing images leave tens to hundreds of MB.
 * So a run collects at the few points where such garbage has piled up.
 */
final class UnscopedMemory {
    private UnscopedMemory() {}

    /** During a run: one collection per this many steps (each costs ~10-50 ms). */
    static final int COLLECT_EVERY_STEPS = 50;

    /** Returns unscoped garbage's off-heap memory now. */
    static void collect() {
        System.gc();
    }
}
