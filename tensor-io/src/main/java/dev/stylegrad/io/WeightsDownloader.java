package dev.stylegrad.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * Downloads a file to {@code <target>.part}, resuming a previous partial download with an HTTP range request,
 * verifies its size and SHA-256, and only then renames it into place: the target either does not exist or is the
 * verified file.
 */
public final class WeightsDownloader {
    /** Progress callback: bytes so far (including resumed ones) and the total (-1 if unknown). */
    public interface Listener {
        void progress(long bytes, long total);
    }

    /** A download that could not complete: offline, HTTP error, or a checksum mismatch. The message says what to do. */
    public static final class DownloadException extends IOException {
        public DownloadException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final HttpClient client;

    public WeightsDownloader() {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).followRedirects(HttpClient.Redirect.NORMAL).build());
    }

    WeightsDownloader(HttpClient client) {
        this.client = client;
    }

    /**
     * Fetches {@code url} into {@code target} unless {@code target} already exists with the expected checksum.
     *
     * @param expectedSize bytes expected, or -1 to skip the size check
     * @param expectedSha256 lowercase hex SHA-256 the file must have, or its first digits (at least 8: torchvision's
     *     file names carry the first 8, and torch.hub checks only those)
     * @return true if downloaded, false if the target was already there and verified
     */
    public boolean fetch(URI url, Path target, long expectedSize, String expectedSha256, Listener listener) throws IOException {
        if (expectedSha256.length() < 8 || expectedSha256.length() > 64 || !expectedSha256.matches("[0-9a-f]+")) {
            throw new IllegalArgumentException("expected sha256: 8 to 64 lowercase hex digits, got '" + expectedSha256 + "'");
        }
        if (Files.isRegularFile(target) && Checksums.sha256(target).startsWith(expectedSha256)) return false;
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path part = dir.resolve(target.getFileName() + ".part");
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if (expectedSize > 0 && have > expectedSize) {
            Files.delete(part); // cannot be a prefix of the right file
            have = 0;
        }
        if (expectedSize < 0 || have < expectedSize) {
            download(url, part, have, expectedSize, listener);
        }
        long size = Files.size(part);
        if (expectedSize > 0 && size != expectedSize) {
            throw new DownloadException("download of " + url + " ended at " + size + " of " + expectedSize
                    + " bytes; run the command again to resume from " + part, null);
        }
        String actual = Checksums.sha256(part);
        if (!actual.startsWith(expectedSha256)) {
            Files.delete(part);
            throw new DownloadException("downloaded " + url + " but its sha256 is " + actual + ", expected "
                    + (expectedSha256.length() < 64 ? "one starting " : "") + expectedSha256
                    + "; the partial file was deleted, run the command again", null);
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    private void download(URI url, Path part, long have, long expectedSize, Listener listener) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(30)).GET();
        if (have > 0) request.header("Range", "bytes=" + have + "-");
        HttpResponse<InputStream> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new DownloadException("cannot download " + url + " (" + describe(e) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DownloadException("download of " + url + " was interrupted; run the command again to resume", e);
        }
        int status = response.statusCode();
        boolean append = status == 206;
        if (status != 200 && status != 206) {
            response.body().close();
            throw new DownloadException("cannot download " + url + ": the server answered HTTP " + status, null);
        }
        if (!append) have = 0; // server ignored the range: start over
        long total = expectedSize > 0 ? expectedSize : response.headers().firstValueAsLong("Content-Length").orElse(-1) + have;
        try (InputStream in = response.body();
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[1 << 16];
            long done = have;
            long lastReport = -1;
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                done += n;
                if (listener != null && done - lastReport >= (1 << 20)) {
                    listener.progress(done, total);
                    lastReport = done;
                }
            }
            if (listener != null) listener.progress(done, total);
        } catch (IOException e) {
            throw new DownloadException("download of " + url + " broke off (" + describe(e) + "); run the command again to resume from " + part, e);
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
