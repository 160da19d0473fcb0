package dev.stylegrad.style.adain;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The reference's colour preservation ({@code function.coral}, used by {@code --preserve_color}): the style
 * picture's colours moved to the content's colour statistics. Each picture's channels are standardized (mean, unbiased
 * std), their 3×3 products summed over pixels plus the identity give S (style) and T (content), and the style becomes
 * √T · √S⁻¹ · its standardized colours, scaled and shifted by the content's std and mean. Computed in float64; the
 * result is not clamped (the reference feeds it to the encoder as it is). Unlike the reference, a flat colour channel
 * gives finite colours, not NaN.
 */
final class Coral {
    private Coral() {}

    /** {@code style} [1, 3, H, W] with the colours of {@code content} [1, 3, H', W'] (both 0..1). */
    static INDArray transfer(INDArray style, INDArray content) {
        double[][] s = planes(style), t = planes(content);
        Standardized ss = standardize(s), ts = standardize(t);
        double[][] m = multiply(sqrt(ts.products), inverse(sqrt(ss.products)));
        int n = s[0].length;
        float[] out = new float[3 * n];
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < 3; r++) {
                double v = 0;
                for (int k = 0; k < 3; k++) v += m[r][k] * ss.normalized[k][i];
                out[r * n + i] = (float) (v * ts.std[r] + ts.mean[r]);
            }
        }
        return Nd4j.create(out, style.shape(), DataType.FLOAT);
    }

    private static double[][] planes(INDArray picture) {
        if (picture.rank() != 4 || picture.size(0) != 1 || picture.size(1) != 3) {
            throw new IllegalArgumentException("coral: expected a picture [1, 3, H, W], got " + java.util.Arrays.toString(picture.shape()));
        }
        float[] v = picture.castTo(DataType.FLOAT).dup('c').data().asFloat();
        int n = v.length / 3;
        double[][] p = new double[3][n];
        for (int c = 0; c < 3; c++) for (int i = 0; i < n; i++) p[c][i] = v[c * n + i];
        return p;
    }

    private record Standardized(double[][] normalized, double[] mean, double[] std, double[][] products) {}

    private static Standardized standardize(double[][] p) {
        int n = p[0].length;
        double[] mean = new double[3], std = new double[3];
        double[][] z = new double[3][n];
        for (int c = 0; c < 3; c++) {
            double s = 0;
            for (double x : p[c]) s += x;
            mean[c] = s / n;
            double q = 0;
            for (double x : p[c]) q += (x - mean[c]) * (x - mean[c]);
            std[c] = Math.sqrt(q / (n - 1));
            // A constant channel (a flat colour; a one-pixel picture) has no spread to standardize: the reference divides
            // by its zero std and returns NaN. Its standardized values are 0, its own colour stays as the mean. The bound
            // absorbs the rounding of the mean, which leaves a flat channel a spread of about 1e-16 of its value.
            boolean flat = !(std[c] > 1e-12 * Math.max(1, Math.abs(mean[c])));
            for (int i = 0; i < n; i++) z[c][i] = flat ? 0 : (p[c][i] - mean[c]) / std[c];
        }
        double[][] products = new double[3][3];
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++) {
                double s = 0;
                for (int i = 0; i < n; i++) s += z[a][i] * z[b][i];
                products[a][b] = s + (a == b ? 1 : 0);
            }
        }
        return new Standardized(z, mean, std, products);
    }

    /** The square root of a symmetric positive definite 3×3 matrix (what the reference's SVD gives for one), by Jacobi rotations. */
    static double[][] sqrt(double[][] a) {
        double[][] m = {a[0].clone(), a[1].clone(), a[2].clone()};
        double[][] v = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = Math.abs(m[0][1]) + Math.abs(m[0][2]) + Math.abs(m[1][2]);
            if (off <= 1e-15 * (Math.abs(m[0][0]) + Math.abs(m[1][1]) + Math.abs(m[2][2]))) break;
            for (int p = 0; p < 2; p++) {
                for (int q = p + 1; q < 3; q++) {
                    if (m[p][q] == 0) continue;
                    double theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < 3; k++) { // m = Jᵀ m J
                        double mkp = m[k][p], mkq = m[k][q];
                        m[k][p] = c * mkp - s * mkq;
                        m[k][q] = s * mkp + c * mkq;
                    }
                    for (int k = 0; k < 3; k++) {
                        double mpk = m[p][k], mqk = m[q][k];
                        m[p][k] = c * mpk - s * mqk;
                        m[q][k] = s * mpk + c * mqk;
                    }
                    for (int k = 0; k < 3; k++) {
                        double vkp = v[k][p], vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        double[][] r = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double s = 0;
                for (int k = 0; k < 3; k++) s += v[i][k] * Math.sqrt(Math.max(0, m[k][k])) * v[j][k];
                r[i][j] = s;
            }
        }
        return r;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        double[][] r = new double[3][3];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 3; k++) r[i][j] += a[i][k] * b[k][j];
        return r;
    }

    static double[][] inverse(double[][] a) {
        double det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
                + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
        double[][] r = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                int i1 = (j + 1) % 3, i2 = (j + 2) % 3, j1 = (i + 1) % 3, j2 = (i + 2) % 3;
                r[i][j] = (a[i1][j1] * a[i2][j2] - a[i1][j2] * a[i2][j1]) / det;
            }
        }
        return r;
    }
}
