/**
 * A proxy's side of the control plane: its workload certificate by projected service-account token
 * ({@link dev.tollgate.agent.CaClient}). Only the control plane is called from here, never the Kubernetes API, so
 * application pods carry no API credentials.
 */
package dev.tollgate.agent;
