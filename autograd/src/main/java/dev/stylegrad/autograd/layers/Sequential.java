package dev.stylegrad.autograd.layers;

import dev.stylegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Layers run in order, each on the previous one's output. Once a layer has read an intermediate, its memory goes
 * back to the open memory scope unless a tape may still read it (the rule in this package's description), so model
 * code states the architecture and frees nothing by hand.
 *
 * <p>Layers may carry names: {@link #forward(Tensor, Collection)} runs only as deep as the deepest asked-for name and
 * returns those layers' outputs, keeping them while the others are released. A {@code Sequential} among the layers
 * is inlined (its layers become this one's), so each intermediate goes back right after the one layer that reads it
 * rather than when the nested block ends.
 *
 * <p>Immutable, and safe to run from several threads at once if its layers are.
 */
public final class Sequential implements Layer {
    /** One layer and its name, or null for an unnamed one. */
    private record Step(String name, Layer layer) {}

    private final List<Step> steps;
    private final Map<String, Integer> indexByName;

    private Sequential(List<Step> steps) {
        this.steps = List.copyOf(steps);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < steps.size(); i++) {
            String name = steps.get(i).name();
            if (name != null && index.put(name, i) != null) throw new IllegalArgumentException("Sequential: two layers are named '" + name + "'");
        }
        this.indexByName = Map.copyOf(index);
    }

    /** Unnamed layers in order (nested {@code Sequential}s inlined, their names kept). */
    public static Sequential of(Layer... layers) {
        Builder b = builder();
        for (Layer layer : layers) b.add(layer);
        return b.build();
    }

    /** An empty builder, for naming layers. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects layers, named or not, in order. */
    public static final class Builder {
        private final List<Step> steps = new ArrayList<>();

        private Builder() {}

        /** Appends an unnamed layer (a {@code Sequential}'s layers, inlined with their names). */
        public Builder add(Layer layer) {
            Objects.requireNonNull(layer, "layer");
            if (layer instanceof Sequential nested) steps.addAll(nested.steps);
            else steps.add(new Step(null, layer));
            return this;
        }

        /**
         * Appends a layer whose output can be asked for under {@code name}; for a {@code Sequential}, its layers
         * inlined, the name going to its last one.
         *
         * @throws IllegalArgumentException if a nested {@code Sequential} is empty or its last layer has a name already
         */
        public Builder add(String name, Layer layer) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(layer, "layer");
            if (!(layer instanceof Sequential nested)) {
                steps.add(new Step(name, layer));
                return this;
            }
            int n = nested.steps.size();
            if (n == 0 || nested.steps.get(n - 1).name() != null) {
                throw new IllegalArgumentException("Sequential: cannot name '" + name + "' a nested Sequential that is empty or whose last layer is named");
            }
            steps.addAll(nested.steps.subList(0, n - 1));
            steps.add(new Step(name, nested.steps.get(n - 1).layer()));
            return this;
        }

        /**
         * The layers added so far.
         *
         * @throws IllegalArgumentException if two layers have the same name
         */
        public Sequential build() {
            return new Sequential(steps);
        }
    }

    /** How many layers run (nested {@code Sequential}s counted by their layers). */
    public int size() {
        return steps.size();
    }

    /** Every layer on {@code x}, in order; {@code x} itself when there are none. */
    @Override
    public Tensor forward(Tensor x) {
        return run(x, steps.size() - 1, List.of(), new HashMap<>());
    }

    /**
     * The layers up to the deepest of {@code outputs} on {@code x}, returning those layers' outputs in the order asked
     * (a name asked twice appears once). The outputs not asked for are released as the rule says.
     *
     * @throws IllegalArgumentException if no layer has one of the names
     */
    public Map<String, Tensor> forward(Tensor x, Collection<String> outputs) {
        int deepest = -1;
        for (String name : outputs) {
            Integer i = indexByName.get(name);
            if (i == null) throw new IllegalArgumentException("Sequential: no layer is named '" + name + "' (named: " + names() + ")");
            deepest = Math.max(deepest, i);
        }
        Map<String, Tensor> kept = new HashMap<>();
        run(x, deepest, outputs, kept);
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (String name : outputs) result.put(name, kept.get(name));
        return result;
    }

    private Tensor run(Tensor x, int last, Collection<String> outputs, Map<String, Tensor> kept) {
        Tensor h = x;
        for (int i = 0; i <= last; i++) {
            Step step = steps.get(i);
            Tensor next = step.layer().forward(h);
            if (next == null) throw new NullPointerException("Sequential: layer " + i + (step.name() == null ? "" : " (" + step.name() + ")") + " returned null");
            if (h != x) Intermediates.releaseAfterLastUse(h, next, x, kept.values());
            if (step.name() != null && outputs.contains(step.name())) kept.put(step.name(), next);
            h = next;
        }
        return h;
    }

    /** The layer names, in order (for messages). */
    private List<String> names() {
        List<String> names = new ArrayList<>();
        for (Step s : steps) if (s.name() != null) names.add(s.name());
        return names;
    }
}
