/**
 * Feed-forward style networks (Johnson, Alahi and Fei-Fei, 2016): the transformer network of pytorch/examples'
 * {@code fast_neural_style}, loaded from and saved to its state-dict key names, run on pictures in one forward pass.
 */
package dev.stylegrad.style.feedforward;
