/** Placeholder until its issue lands: styletransfer. */
package dev.stylegrad.style;
