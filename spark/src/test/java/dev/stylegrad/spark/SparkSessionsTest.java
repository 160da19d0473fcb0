package dev.stylegrad.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stylegrad.tensor.Backend;
import dev.stylegrad.tensor.ConvAlgorithm;
import dev.stylegrad.tensor.KernelConfig;
import org.junit.jupiter.api.Test;

/** What a cluster's executors are started with, so that they compute as the driver does. */
class SparkSessionsTest {
    @Test
    void executorsGetTheGivenOptionsTheKernelPropertiesAndTheConvolutionAlgorithmInForce() {
        ConvAlgorithm before = KernelConfig.convAlgorithm();
        System.setProperty("stylegrad.hostThreads", "1");
        System.setProperty(KernelConfig.CONV_ALGORITHM_PROPERTY, "auto"); // read at start; --conv-algorithm changed it since
        try {
            Backend.setConvAlgorithm(ConvAlgorithm.DIRECT);
            String options = SparkSessions.executorJavaOptions("-Xmx3g");
            assertThat(options).startsWith("-Xmx3g ").contains(" -Dstylegrad.hostThreads=1").endsWith(" -Dstylegrad.convAlgorithm=direct");
            assertThat(options).doesNotContain("convAlgorithm=auto");
            assertThat(SparkSessions.executorJavaOptions(null)).startsWith("-Dstylegrad.");
        } finally {
            System.clearProperty("stylegrad.hostThreads");
            System.clearProperty(KernelConfig.CONV_ALGORITHM_PROPERTY);
            Backend.setConvAlgorithm(before);
        }
    }
}
