/** Placeholder until its issue lands: benchmarks. */
package dev.stylegrad.bench;
