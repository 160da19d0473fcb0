package dev.stylegrad.tensor;

import java.util.Locale;

/**
 * What the heavy products of float32 arrays (convolutions, their input gradients, Gram matrices and their gradients)
 * multiply in. The arrays themselves stay float32 either way: only the kernels' operands are rounded.
 *
 * <ul>
 *   <li>{@link #FP32}: float32 products, float32 sums. The default, and the only choice off oneDNN's CPU path.
 *   <li>{@link #BF16}: the operands rounded to bfloat16 (8 significant bits, float32's range) as oneDNN's kernels
 *       read them, products summed in float32, results written as float32. Each product carries a relative error of
 *       at most about 2⁻⁸, so a sum of products is off by at most about 2⁻⁸ times the sum of their absolute values.
 *       Only on CPUs with bfloat16 instructions (avx512_bf16 or amx_bf16), where it is much faster; {@link
 *       #unavailableReason} says why not elsewhere, and asking for it there is an error, never a silent fallback.
 * </ul>
 */
public enum Precision {
    FP32,
    BF16;

    /** The name on the command line and in files: {@code fp32} or {@code bf16}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The precision called {@code name} ({@code fp32} or {@code bf16}, any case). */
    public static Precision parse(String name) {
        for (Precision p : values()) if (p.cliName().equalsIgnoreCase(name.trim())) return p;
        throw new IllegalArgumentException("unknown precision '" + name + "': expected fp32 or bf16");
    }

    /** Null if this precision's kernels run in this process, else one sentence saying why not. */
    public String unavailableReason() {
        return this == FP32 ? null : OneDnn.bf16UnavailableReason();
    }

    /**
     * Returns normally if this precision's kernels run in this process.
     *
     * @throws UnsupportedOperationException with {@link #unavailableReason} otherwise
     */
    public void requireAvailable() {
        String reason = unavailableReason();
        if (reason != null) throw new UnsupportedOperationException(reason);
    }
}
