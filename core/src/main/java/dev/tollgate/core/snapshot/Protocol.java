package dev.tollgate.core.snapshot;

/** What a proxy sees of a connection: an HTTP request it can read, opaque TLS (with SNI), or raw TCP. */
public enum Protocol {
    HTTP,
    TLS,
    TCP
}
