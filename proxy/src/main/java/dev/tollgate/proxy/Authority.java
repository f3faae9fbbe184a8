package dev.tollgate.proxy;

import java.util.Optional;

/**
 * A {@code host[:port]} as HTTP writes it (URI authority, Host header, CONNECT target), read strictly: no user info,
 * a port of 1-65535, IPv6 in brackets, and only characters a host name or address can have.
 */
record Authority(String host, int port) {

    static Optional<Authority> parse(String s, int defaultPort) {
        if (s == null || s.isEmpty() || s.length() > 300 || s.indexOf('@') >= 0) {
            return Optional.empty();
        }
        String host;
        String portText = null;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                return Optional.empty();
            }
            host = s.substring(1, close);
            if (HostMap.literal(host).isEmpty()) {
                return Optional.empty();
            }
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return Optional.empty();
                }
                portText = rest.substring(1);
            }
        } else {
            int colon = s.indexOf(':');
            if (colon >= 0) {
                if (s.indexOf(':', colon + 1) >= 0) {
                    return Optional.empty();
                }
                portText = s.substring(colon + 1);
                host = s.substring(0, colon);
            } else {
                host = s;
            }
            if (host.isEmpty() || !hostChars(host)) {
                return Optional.empty();
            }
        }
        int port = defaultPort;
        if (portText != null) {
            if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(Character::isDigit)) {
                return Optional.empty();
            }
            port = Integer.parseInt(portText);
        }
        if (port < 1 || port > 65535) {
            return Optional.empty();
        }
        return Optional.of(new Authority(HostMap.normalise(host), port));
    }

    private static boolean hostChars(String h) {
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                    || c == '_')) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
