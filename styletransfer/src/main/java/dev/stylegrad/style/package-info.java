/**
 * Style transfer proper: losses, optimizers, image IO and the {@code StyleTransfer} API (arriving with issue 4). The
 * command line lives in {@code dev.stylegrad.style.cli}.
 */
package dev.stylegrad.style;
