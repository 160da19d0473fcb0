/**
 * The {@code stylegrad} command line. Progress and errors go to stderr; stdout carries only requested output. Exit
 * codes follow DESIGN.md section 3 (0 success, 2 usage error, 3 bad input, 4 diverged, 130 interrupted).
 */
package dev.stylegrad.cli;
