package dev.stylegrad.io;

/**
 * A storage a pickled tensor points at (a PyTorch persistent id): the root storage {@code key} holding {@code numel}
 * elements of {@code type}, and the window {@code [base, base + length)} of it this reference covers (the whole
 * storage, except for the storage views that torch before 1.0 could save).
 */
record StorageRef(String key, ElementType type, long numel, long base, long length) {}
