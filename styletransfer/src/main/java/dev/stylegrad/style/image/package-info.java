/**
 * Image files in and out: decoding PNG and JPEG of every common kind to 8-bit RGB (saying what was converted),
 * refusing oversized images before their pixels are allocated, anti-aliased resizing, and atomic writes (a temporary
 * file renamed into place, so a crash never leaves a half-written image).
 */
package dev.stylegrad.style.image;
