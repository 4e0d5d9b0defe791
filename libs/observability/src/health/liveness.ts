import { Injectable } from '@nestjs/common';

export type LivenessCheck = () => Promise<void>;

/**
 * What would make restarting the process the cure: a Kafka consumer that stopped and could not
 * be brought back. /healthz fails while any check throws, so Kubernetes restarts the pod.
 * Register only conditions a restart can fix; a dependency being down is readiness.
 */
@Injectable()
export class LivenessChecks {
  private readonly checks = new Map<string, LivenessCheck>();

  register(name: string, check: LivenessCheck): void {
    if (this.checks.has(name)) throw new Error(`liveness check "${name}" registered twice`);
    this.checks.set(name, check);
  }

  entries(): Array<[string, LivenessCheck]> {
    return [...this.checks.entries()];
  }
}
