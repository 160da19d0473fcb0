/**
 * Feed-forward style networks (Johnson, Alahi and Fei-Fei, 2016), as pytorch/examples' {@code fast_neural_style}
 * trains them: {@link dev.stylegrad.style.feedforward.FeedForwardTraining} (the training run, its checkpoints and
 * cancellation) with its settings ({@link dev.stylegrad.style.feedforward.TrainSettings}), one step of it ({@link
 * dev.stylegrad.style.feedforward.Trainer}: docs/design.md, "A training step"), the training pictures ({@link
 * dev.stylegrad.style.feedforward.TrainingImages}) and the pictures a trained network is applied to ({@code
 * Pictures}). The network itself, {@link dev.stylegrad.models.TransformerNet}, is in {@code dev.stylegrad.models}.
 */
package dev.stylegrad.style.feedforward;
