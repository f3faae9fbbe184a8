/**
 * {@code tollgate demo}: the Istio egress tutorial (docs/tutorial.md, parts A and B), run for real on loopback.
 *
 * <p>{@link dev.tollgate.cli.demo.Scenario} holds every step as data: the configuration in force and, for each
 * workload and URL, the outcome the tutorial says. {@link dev.tollgate.cli.demo.StandInHost} plays the external
 * hosts, {@link dev.tollgate.cli.demo.DemoConfig} writes each step's files where the running proxies watch them,
 * a {@link dev.tollgate.cli.demo.Probe} ({@code curl}, or a built-in client) makes each request as a workload,
 * and {@link dev.tollgate.cli.demo.DemoReport} prints what happened.
 */
package dev.tollgate.cli.demo;
