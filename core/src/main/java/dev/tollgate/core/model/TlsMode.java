package dev.tollgate.core.model;

/** DestinationRule {@code ClientTLSSettings.mode}; also used for the gateway server's mode where they coincide. */
public enum TlsMode {
    DISABLE,
    SIMPLE,
    MUTUAL,
    ISTIO_MUTUAL
}
