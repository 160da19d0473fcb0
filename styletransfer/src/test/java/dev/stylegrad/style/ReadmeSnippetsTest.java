package dev.stylegrad.style;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java blocks compile against the modules as they are (a doc test), so the docs cannot rot. Each
 * ```java block becomes the body of a method in its own class; its {@code import} lines go on top, beside imports of
 * every public stylegrad package, {@code java.nio.file}, {@code java.util}, {@code java.util.concurrent} and
 * {@code INDArray}. Names a snippet uses without defining them are declared in an HTML comment just above the block,
 * invisible when the README is rendered: {@code <!-- given: INDArray pixels, RgbImage photoA -->}; {@code log(...)}
 * is defined for every block.
 */
class ReadmeSnippetsTest {
    static final Path README = Path.of("../README.md");
    private static final Pattern BLOCK = Pattern.compile("(?:<!-- given: ([^>]*?) -->\\s*\\n)?```java\\n(.*?)\\n```", Pattern.DOTALL);
    private static final List<String> IMPORTS = List.of("java.nio.file.*", "java.util.*", "java.util.concurrent.*", "dev.stylegrad.style.*",
            "dev.stylegrad.style.image.*", "dev.stylegrad.style.feedforward.*", "dev.stylegrad.style.adain.*", "dev.stylegrad.models.*", "dev.stylegrad.autograd.*",
            "dev.stylegrad.autograd.ops.*", "dev.stylegrad.tensor.*", "dev.stylegrad.io.*", "org.nd4j.linalg.api.ndarray.INDArray");

    @TempDir
    Path out;

    /** One block as a compilation unit, and the README line its body starts on. */
    record Snippet(String className, String source, int firstLine, int bodyOffset) {}

    static List<Snippet> snippets(String readme) {
        List<Snippet> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) {
            int line = (int) readme.substring(0, m.start(2)).chars().filter(c -> c == '\n').count() + 1;
            StringBuilder imports = new StringBuilder(), body = new StringBuilder();
            for (String l : m.group(2).split("\n", -1)) {
                if (l.startsWith("import ")) imports.append(l).append('\n');
                else imports.append('\n'); // keep line numbers: the body's lines follow the imports' count
                if (!l.startsWith("import ")) body.append(l);
                body.append('\n');
            }
            String name = "ReadmeSnippet" + (out.size() + 1);
            String given = m.group(1) == null ? "" : m.group(1).trim();
            StringBuilder src = new StringBuilder("package readme;\n");
            for (String i : IMPORTS) src.append("import ").append(i).append(";\n");
            src.append(imports.toString().replace("\n\n", "\n").strip()).append('\n');
            src.append("@SuppressWarnings(\"unused\") class ").append(name).append(" {\n");
            src.append("    static void log(Object... values) {}\n");
            src.append("    void run(").append(given).append(") throws Exception {\n");
            int bodyOffset = (int) src.chars().filter(c -> c == '\n').count();
            src.append(body).append("    }\n}\n");
            out.add(new Snippet(name, src.toString(), line, bodyOffset));
        }
        return out;
    }

    /** Compiles the snippets; returns one line per error, naming the README line. */
    List<String> compile(List<Snippet> snippets) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<JavaFileObject> units = new ArrayList<>();
        for (Snippet s : snippets) {
            units.add(new SimpleJavaFileObject(URI.create("string:///readme/" + s.className() + ".java"), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return s.source();
                }
            });
        }
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            List<String> options = List.of("-classpath", System.getProperty("java.class.path"), "-d", out.toString(), "-proc:none");
            javac.getTask(null, files, diagnostics, options, null, units).call();
        }
        List<String> errors = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() != Diagnostic.Kind.ERROR) continue;
            String unit = d.getSource() == null ? "?" : d.getSource().getName();
            Snippet s = snippets.stream().filter(x -> unit.contains(x.className() + ".java")).findFirst().orElse(null);
            // Lines from the block's import count on line up with the README; imports sit on top of the unit.
            String where = s == null ? unit : "README.md line " + (s.firstLine() + (d.getLineNumber() - s.bodyOffset() - 1)) + " (block starting line " + s.firstLine() + ")";
            errors.add(where + ": " + d.getMessage(Locale.ROOT));
        }
        return errors;
    }

    @Test
    void everyJavaBlockOfTheReadmeCompiles() throws IOException {
        List<Snippet> snippets = snippets(Files.readString(README));
        assertThat(snippets).as("the README's ```java blocks").hasSizeGreaterThanOrEqualTo(4);
        assertThat(compile(snippets)).as("compile errors in README snippets").isEmpty();
    }

    @Test
    void aBrokenSnippetFailsNamingItsReadmeLine() throws IOException {
        String readme = "# t\n\ntext\n\n```java\nStyleTransfer.Result r = StyleTransfer.builder().nosuchOption(3).build().run();\n```\n";
        List<String> errors = compile(snippets(readme));
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0)).startsWith("README.md line 6 ").contains("nosuchOption");
    }
}
