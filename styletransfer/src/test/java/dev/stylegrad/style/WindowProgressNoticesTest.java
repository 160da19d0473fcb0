package dev.stylegrad.style;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowProgressNoticesTest {
    static final long SECOND = 1_000_000_000L;

    @Test
    void aLongPassReportsOncePerIntervalAndAShortOneNever() {
        long[] now = {0};
        List<String> notices = new ArrayList<>();
        WindowProgressNotices progress = new WindowProgressNotices(notices::add, () -> now[0], 60 * SECOND);

        progress.windowsDone("pass 1 of 2 (losses)", 0, 4); // a short pass: 4 windows in 40 s
        for (int k = 1; k <= 4; k++) {
            now[0] += 10 * SECOND;
            progress.windowsDone("pass 1 of 2 (losses)", k, 4);
        }
        assertThat(notices).isEmpty();

        progress.windowsDone("pass 2 of 2 (gradient)", 0, 10); // a long pass: 45 s per window
        for (int k = 1; k <= 10; k++) {
            now[0] += 45 * SECOND;
            progress.windowsDone("pass 2 of 2 (gradient)", k, 10);
        }
        // 90 s (window 2), then at least 60 s after each notice: 180 s (4), 270 s (6), 360 s (8); none when the pass ends
        assertThat(notices).containsExactly("pass 2 of 2 (gradient): 2 of 10 windows, 1m30s", "pass 2 of 2 (gradient): 4 of 10 windows, 3m00s",
                "pass 2 of 2 (gradient): 6 of 10 windows, 4m30s", "pass 2 of 2 (gradient): 8 of 10 windows, 6m00s");
    }
}
