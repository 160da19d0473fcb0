package dev.stylegrad.style.examples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RadialGradientPaint;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Draws the two example images: {@code landscape.png} (sky, sun, mountains, lake, hills, a house and trees) and
 * {@code brushstrokes.png} (short curved strokes following a swirling flow field, in a night-sky palette).
 *
 * <p>Run: {@code java -cp styletransfer/target/classes dev.stylegrad.style.examples.ExampleImages DIR [SCALE [COUNT]]}
 * (COUNT: instead, COUNT landscapes drawn with seeds 1..COUNT, {@code landscape-0001.png}, ...); the
 * committed images (scale 1, 512×384) live in {@code styletransfer/src/main/resources/dev/stylegrad/style/examples}.
 * Both are vector drawings, so a whole-number {@code SCALE} draws the same pictures with SCALE times the pixels on each
 * side (the README's large-picture example uses 8: 4096×3072), with real detail instead of an upscaled 512-px image.
 */
public final class ExampleImages {
    static final int W = 512, H = 384;

    private ExampleImages() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "styletransfer/src/main/resources/dev/stylegrad/style/examples");
        int scale = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        if (scale < 1 || scale > 16) throw new IllegalArgumentException("SCALE must be a whole number from 1 to 16, got " + scale);
        Files.createDirectories(dir);
        if (args.length > 2) { // COUNT more landscapes drawn with seeds 1..COUNT (e.g. training pictures for `stylegrad train`)
            int count = Integer.parseInt(args[2]);
            for (int seed = 1; seed <= count; seed++) {
                ImageIO.write(landscape(scale, seed), "png", dir.resolve(String.format("landscape-%04d.png", seed)).toFile());
            }
            return;
        }
        ImageIO.write(landscape(scale), "png", dir.resolve("landscape.png").toFile());
        ImageIO.write(brushstrokes(scale), "png", dir.resolve("brushstrokes.png").toFile());
    }

    /** A {@code W*scale × H*scale} canvas whose drawing coordinates stay those of the 512×384 picture. */
    static Graphics2D canvas(BufferedImage img, int scale) {
        Graphics2D g = img.createGraphics();
        g.scale(scale, scale);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        return g;
    }

    /** A hand-drawn-looking landscape: smooth areas and clear edges, what content images usually are. */
    static BufferedImage landscape(int scale) {
        return landscape(scale, 42);
    }

    /** The landscape with its random choices (ridges, trees) drawn from {@code seed}; 42 gives the committed one. */
    static BufferedImage landscape(int scale, long seed) {
        BufferedImage img = new BufferedImage(W * scale, H * scale, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img, scale);
        Random rng = new Random(seed);
        g.setPaint(new GradientPaint(0, 0, new Color(70, 130, 200), 0, 220, new Color(250, 215, 160)));
        g.fillRect(0, 0, W, 230);
        g.setPaint(new RadialGradientPaint(380, 120, 60, new float[] {0f, 0.45f, 1f},
                new Color[] {new Color(255, 250, 220), new Color(255, 220, 120), new Color(255, 220, 120, 0)}));
        g.fill(new Ellipse2D.Double(320, 60, 120, 120));
        ridge(g, rng, 150, 60, new Color(105, 120, 160));
        ridge(g, rng, 185, 40, new Color(80, 105, 130));
        g.setPaint(new GradientPaint(0, 230, new Color(90, 140, 190), 0, 300, new Color(40, 80, 120)));
        g.fillRect(0, 230, W, 70);
        g.setColor(new Color(255, 235, 180, 90));
        for (int i = 0; i < 12; i++) g.fillRect(345 + rng.nextInt(30) - 15, 240 + i * 5, 40 - i * 2, 2);
        Path2D hills = new Path2D.Double();
        hills.moveTo(0, H);
        hills.lineTo(0, 290);
        for (int x = 0; x <= W; x += 8) hills.lineTo(x, 292 - 18 * Math.sin(x / 70.0) - 10 * Math.sin(x / 23.0 + 1));
        hills.lineTo(W, H);
        hills.closePath();
        g.setPaint(new GradientPaint(0, 280, new Color(90, 150, 70), 0, H, new Color(40, 95, 40)));
        g.fill(hills);
        g.setColor(new Color(190, 165, 120));
        Path2D path = new Path2D.Double();
        path.moveTo(250, H);
        path.curveTo(260, 350, 190, 330, 205, 300);
        path.lineTo(215, 300);
        path.curveTo(215, 330, 290, 350, 300, H);
        path.closePath();
        g.fill(path);
        house(g, 150, 255);
        for (int i = 0; i < 9; i++) tree(g, rng, 20 + i * 55 + rng.nextInt(20), 300 + rng.nextInt(60), 0.7 + rng.nextDouble() * 0.6);
        g.dispose();
        return img;
    }

    private static void ridge(Graphics2D g, Random rng, int base, int amplitude, Color color) {
        Path2D p = new Path2D.Double();
        p.moveTo(0, 240);
        double y = base;
        for (int x = 0; x <= W; x += 16) {
            y = Math.max(base - amplitude, Math.min(base + amplitude / 2.0, y + rng.nextGaussian() * amplitude / 4));
            p.lineTo(x, y);
        }
        p.lineTo(W, 240);
        p.closePath();
        g.setColor(color);
        g.fill(p);
    }

    private static void house(Graphics2D g, int x, int y) {
        g.setColor(new Color(235, 225, 200));
        g.fillRect(x, y, 70, 45);
        Path2D roof = new Path2D.Double();
        roof.moveTo(x - 8, y);
        roof.lineTo(x + 35, y - 30);
        roof.lineTo(x + 78, y);
        roof.closePath();
        g.setColor(new Color(170, 50, 40));
        g.fill(roof);
        g.setColor(new Color(90, 60, 40));
        g.fillRect(x + 29, y + 20, 13, 25);
        g.setColor(new Color(120, 170, 210));
        g.fillRect(x + 8, y + 12, 13, 12);
        g.fillRect(x + 50, y + 12, 13, 12);
    }

    private static void tree(Graphics2D g, Random rng, int x, int y, double s) {
        g.setColor(new Color(95, 65, 40));
        g.fillRect(x - (int) (3 * s), y - (int) (20 * s), (int) (7 * s), (int) (22 * s));
        for (int k = 0; k < 4; k++) {
            int shade = 70 + rng.nextInt(50);
            g.setColor(new Color(30, shade + 40, 35));
            double r = (14 + rng.nextInt(8)) * s;
            g.fill(new Ellipse2D.Double(x - r + rng.nextGaussian() * 5 * s, y - 30 * s - r + rng.nextGaussian() * 5 * s, 2 * r, 2 * r));
        }
    }

    /** A painted texture: many short curved strokes along a swirling flow field, in a night-sky palette. */
    static BufferedImage brushstrokes(int scale) {
        BufferedImage img = new BufferedImage(W * scale, H * scale, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img, scale);
        Random rng = new Random(7);
        g.setColor(new Color(20, 40, 90));
        g.fillRect(0, 0, W, H);
        Color[] palette = {new Color(30, 60, 140), new Color(50, 95, 170), new Color(90, 140, 200), new Color(20, 35, 80),
            new Color(235, 210, 90), new Color(250, 240, 170), new Color(60, 130, 140), new Color(200, 220, 240)};
        double[][] swirls = {{150, 120, 90}, {360, 200, 110}, {250, 320, 80}, {460, 60, 60}};
        for (int i = 0; i < 5200; i++) {
            double x = rng.nextDouble() * W, y = rng.nextDouble() * H;
            Color base = palette[rng.nextInt(palette.length)];
            boolean bright = base.getRed() > 180;
            if (bright && rng.nextDouble() < 0.6) base = palette[rng.nextInt(4)]; // keep the bright colours rarer
            int jitter = 18;
            Color c = new Color(clamp(base.getRed() + rng.nextInt(2 * jitter) - jitter), clamp(base.getGreen() + rng.nextInt(2 * jitter) - jitter),
                    clamp(base.getBlue() + rng.nextInt(2 * jitter) - jitter), 220);
            Path2D stroke = new Path2D.Double();
            stroke.moveTo(x, y);
            int len = 6 + rng.nextInt(10);
            for (int k = 0; k < len; k++) {
                double angle = flow(x, y, swirls);
                x += 2.2 * Math.cos(angle);
                y += 2.2 * Math.sin(angle);
                stroke.lineTo(x, y);
            }
            g.setColor(c);
            g.setStroke(new BasicStroke((float) (2.5 + rng.nextDouble() * 3.5), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(stroke);
        }
        for (double[] s : swirls) { // glowing centres, like stars
            g.setPaint(new RadialGradientPaint((float) s[0], (float) s[1], (float) (s[2] / 3), new float[] {0f, 1f},
                    new Color[] {new Color(255, 245, 180, 200), new Color(255, 245, 180, 0)}));
            g.fill(new Ellipse2D.Double(s[0] - s[2] / 3, s[1] - s[2] / 3, 2 * s[2] / 3, 2 * s[2] / 3));
        }
        g.dispose();
        return img;
    }

    /** Direction of the flow at (x, y): circulation around the swirl centres on top of a gentle wave. */
    private static double flow(double x, double y, double[][] swirls) {
        double vx = 1.0, vy = 0.35 * Math.sin(x / 40.0 + y / 60.0);
        for (double[] s : swirls) {
            double dx = x - s[0], dy = y - s[1];
            double r2 = dx * dx + dy * dy + 1;
            double strength = s[2] * s[2] / r2 * 1.5;
            vx += -dy / Math.sqrt(r2) * strength;
            vy += dx / Math.sqrt(r2) * strength;
        }
        return Math.atan2(vy, vx);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
