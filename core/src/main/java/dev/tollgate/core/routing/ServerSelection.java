package dev.tollgate.core.routing;

/** Which Gateway server takes a connection on a port. */
public sealed interface ServerSelection {

    record Selected(GatewayServer server, String detail) implements ServerSelection {
    }

    record NoServer(String reason) implements ServerSelection {
    }
}
