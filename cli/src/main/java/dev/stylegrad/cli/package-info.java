/**
 * The {@code stylegrad} command line over the library: {@code run}, {@code train}, {@code apply}, {@code features}
 * and {@code weights} (picocli), with what only a terminal needs: progress bars with ETA and the JSON step log
 * ({@code JobConsole}), the Ctrl-C hook ({@code InterruptHook}), loss plots ({@code LossPlot}), and the SLF4J
 * binding. Options take their defaults and checks from the library's settings; {@code Cli} maps what escapes a
 * command to the exit codes of docs/design.md, "Command line and exit codes" (0 success, 2 usage error, 3 bad input,
 * 4 diverged, 130 interrupted). Progress and errors go to stderr; stdout carries only requested output.
 */
package dev.stylegrad.cli;
