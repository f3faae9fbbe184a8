/**
 * {@code tollgate demo --lab}: the tutorial's closing warning (a pod that ignores its sidecar reaches the internet
 * directly) and its cure (a generated network policy plus transparent capture), for real, in Linux network
 * namespaces that the lab creates and removes. All addresses are in 198.18.0.0/15 (RFC 2544 benchmarking space);
 * nothing is ever sent anywhere else.
 */
package dev.tollgate.cli.lab;
