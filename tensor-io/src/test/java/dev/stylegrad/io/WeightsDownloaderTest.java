package dev.stylegrad.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a loopback HTTP server that honours range requests, as the real model host does. */
class WeightsDownloaderTest {
    @TempDir
    Path dir;

    private final byte[] payload = new byte[3 * 1024 * 1024 + 17];
    private final AtomicReference<String> lastRange = new AtomicReference<>();
    private HttpServer server;
    private URI url;

    @BeforeEach
    void serve() throws IOException {
        new java.util.Random(3).nextBytes(payload);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/vgg.pth", exchange -> {
            String range = exchange.getRequestHeaders().getFirst("Range");
            lastRange.set(range);
            int from = range == null ? 0 : Integer.parseInt(range.replace("bytes=", "").replace("-", ""));
            exchange.sendResponseHeaders(range == null ? 200 : 206, payload.length - from);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(payload, from, payload.length - from);
            }
        });
        server.start();
        url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/vgg.pth");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void downloadsVerifiesAndMovesIntoPlaceReportingProgress() throws Exception {
        Path target = dir.resolve("w.pth");
        List<Long> progress = new ArrayList<>();
        boolean fetched = new WeightsDownloader().fetch(url, target, payload.length, sha(payload), (b, t) -> progress.add(b));
        assertThat(fetched).isTrue();
        assertThat(Files.readAllBytes(target)).isEqualTo(payload);
        assertThat(progress).isNotEmpty().last().isEqualTo((long) payload.length);
        assertThat(dir.resolve("w.pth.part")).doesNotExist();
        // Second call: already there and verified, nothing downloaded.
        assertThat(new WeightsDownloader().fetch(url, target, payload.length, sha(payload), null)).isFalse();
    }

    @Test
    void resumesAPartialDownloadWithARangeRequest() throws Exception {
        Path target = dir.resolve("w.pth");
        Files.write(dir.resolve("w.pth.part"), Arrays.copyOf(payload, 1_000_000));
        new WeightsDownloader().fetch(url, target, payload.length, sha(payload), null);
        assertThat(lastRange.get()).isEqualTo("bytes=1000000-");
        assertThat(Files.readAllBytes(target)).isEqualTo(payload);
    }

    @Test
    void aHashPrefixAsInTorchvisionsFileNamesIsEnoughAndAWrongOneIsRefused() throws Exception {
        Path target = dir.resolve("w.pth");
        String prefix = sha(payload).substring(0, 8);
        assertThat(new WeightsDownloader().fetch(url, target, -1, prefix, null)).isTrue();
        assertThat(Files.readAllBytes(target)).isEqualTo(payload);
        Path other = dir.resolve("x.pth");
        String wrong = (prefix.charAt(0) == '0' ? "1" : "0") + prefix.substring(1);
        assertThatThrownBy(() -> new WeightsDownloader().fetch(url, other, -1, wrong, null))
                .isInstanceOf(WeightsDownloader.DownloadException.class).hasMessageContaining("expected one starting " + wrong);
        assertThat(other).doesNotExist();
        assertThatThrownBy(() -> new WeightsDownloader().fetch(url, other, -1, "abc", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void checksumMismatchLeavesNoFileAndSaysSo() throws Exception {
        Path target = dir.resolve("w.pth");
        assertThatThrownBy(() -> new WeightsDownloader().fetch(url, target, payload.length, "00".repeat(32), null))
                .isInstanceOf(WeightsDownloader.DownloadException.class).hasMessageContaining("sha256 is " + sha(payload));
        assertThat(target).doesNotExist();
        assertThat(dir.resolve("w.pth.part")).doesNotExist();
    }

    @Test
    void offlineFailsWithAClearMessage() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Path target = dir.resolve("w.pth");
        assertThatThrownBy(() -> new WeightsDownloader().fetch(URI.create("http://127.0.0.1:" + closedPort + "/x"), target, 10, "00".repeat(32), null))
                .isInstanceOf(WeightsDownloader.DownloadException.class).hasMessageContaining("cannot download http://127.0.0.1:" + closedPort);
        assertThat(target).doesNotExist();
    }
}
