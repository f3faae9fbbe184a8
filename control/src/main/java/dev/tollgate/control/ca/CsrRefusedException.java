package dev.tollgate.control.ca;

/**
 * A certificate signing request the CA will not sign. {@link #asksForAnotherIdentity()} tells a caller that
 * asked for more than it proved (refused as PERMISSION_DENIED) from one that sent something unusable
 * (INVALID_ARGUMENT).
 */
public final class CsrRefusedException extends Exception {

    private final boolean anotherIdentity;

    CsrRefusedException(String message, boolean anotherIdentity) {
        super(message);
        this.anotherIdentity = anotherIdentity;
    }

    public boolean asksForAnotherIdentity() {
        return anotherIdentity;
    }
}
