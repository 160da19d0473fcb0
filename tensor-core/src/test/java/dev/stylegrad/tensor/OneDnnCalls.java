package dev.stylegrad.tensor;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What tests watch on the oneDNN path, through its {@link OneDnn.Observer} seam (installed when this class loads, for
 * the rest of the JVM): how many convolutions and products ran on it, so a test can prove its calls went through it (a
 * silent fallback to libnd4j gives the same values), and shapes made unbuildable, so the fallback and its warning can
 * be tested (oneDNN builds every real shape on the CPUs we meet). Counts are totals since this class loaded: compare
 * a count before and after.
 */
final class OneDnnCalls {
    private OneDnnCalls() {}

    private static final LongAdder CONVOLUTIONS = new LongAdder();
    private static final LongAdder PRODUCTS = new LongAdder();
    private static final Set<List<Object>> REFUSED_CONVOLUTIONS = ConcurrentHashMap.newKeySet();
    private static final Set<List<Long>> REFUSED_PRODUCTS = ConcurrentHashMap.newKeySet();

    static {
        OneDnn.observer = new OneDnn.Observer() {
            @Override
            public void buildingConvolution(OneDnnConvolution.PlanKey k) {
                if (REFUSED_CONVOLUTIONS.contains(List.of(k.n(), k.c(), k.h(), k.w(), k.o(), k.kh(), k.kw(), k.spec()))) {
                    throw new IllegalStateException("refused by a test (OneDnnCalls.refuseConvolution)");
                }
            }

            @Override
            public void ranConvolution() {
                CONVOLUTIONS.increment();
            }

            @Override
            public void buildingProduct(OneDnnMatmul.Key k) {
                if (REFUSED_PRODUCTS.contains(List.of(k.m(), k.k(), k.n()))) {
                    throw new IllegalStateException("refused by a test (OneDnnCalls.refuseProduct)");
                }
            }

            @Override
            public void ranProduct() {
                PRODUCTS.increment();
            }
        };
    }

    /** Convolutions (every kind) that ran on oneDNN since this class loaded. */
    static long convolutions() {
        return CONVOLUTIONS.sum();
    }

    /** Matrix products that ran on oneDNN since this class loaded. */
    static long products() {
        return PRODUCTS.sum();
    }

    /**
     * From now on, convolution plans of every kind for this input shape, weight shape and spec fail to build as if
     * oneDNN had no kernel for them. Affects only plans not yet built; there is no way back in this JVM.
     */
    static void refuseConvolution(long[] inputShape, long[] weightShape, Conv2dSpec spec) {
        REFUSED_CONVOLUTIONS.add(List.of(inputShape[0], inputShape[1], inputShape[2], inputShape[3], weightShape[0],
                weightShape[2], weightShape[3], spec));
    }

    /**
     * From now on, products of m×k by k×n (any rank, batch or transposes) fail to build as if oneDNN had no kernel
     * for them. Affects only plans not yet built; there is no way back in this JVM.
     */
    static void refuseProduct(long m, long k, long n) {
        REFUSED_PRODUCTS.add(List.of(m, k, n));
    }
}
