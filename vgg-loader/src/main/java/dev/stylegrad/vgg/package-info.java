/** Placeholder until its issue lands: vgg-loader. */
package dev.stylegrad.vgg;
