/**
 * Checkpoints of a style-transfer run, so a long run survives Ctrl-C, SIGKILL or a power cut and continues to the
 * result an uninterrupted run would have reached: {@link dev.stylegrad.style.checkpoint.Checkpoint} (what is saved),
 * {@link dev.stylegrad.style.checkpoint.CheckpointStore} (the directory layout and its crash-safe update),
 * {@link dev.stylegrad.style.checkpoint.Fingerprint} (the settings a resume must repeat) and
 * {@link dev.stylegrad.style.checkpoint.CheckpointException} (a missing, corrupt or mismatched checkpoint).
 */
package dev.stylegrad.style.checkpoint;
