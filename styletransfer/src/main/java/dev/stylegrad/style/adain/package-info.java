/**
 * Arbitrary style transfer by adaptive instance normalization (Huang and Belongie, ICCV 2017), as
 * naoto0804/pytorch-AdaIN's {@code test.py} computes it: {@link dev.stylegrad.style.adain.AdaInStylizer} (alpha, style
 * interpolation, colour preservation, exact tiles for print-size pictures) and the decoder's training.
 */
package dev.stylegrad.style.adain;
