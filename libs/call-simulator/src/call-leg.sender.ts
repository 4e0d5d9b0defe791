import { Registry } from 'prom-client';
import type { CallLegEvent } from '@callhooks/contracts';
import { KafkaContext } from '@callhooks/kafka';
import { ReadinessChecks } from '@callhooks/observability';
import type { SimulatorConnection } from './config/simulator.config';
import type { CallTraffic } from './traffic';

export interface SendProgress {
  elapsedMs: number;
  callsStarted: number;
  legsSent: number;
}

/**
 * Sends simulated raw legs to `telephony.call-legs.v1` as the telephony platform would:
 * Avro through the schema registry, keyed by call_uuid. Usable outside Nest (CLI, benchmarks).
 */
export class CallLegSender {
  readonly kafka: KafkaContext;
  legsSent = 0;

  constructor(connection: SimulatorConnection) {
    this.kafka = new KafkaContext({ service: 'call-simulator', logLevel: connection.logLevel, kafka: connection.kafka, registry: connection.registry }, new Registry(), new ReadinessChecks());
  }

  /** Creates the input topic (and its dead-letter topic) when missing. */
  async ensureTopic(): Promise<void> {
    await (await this.kafka.provisioner()).ensure({ consumes: ['callLegs'] });
  }

  async send(legs: readonly CallLegEvent[]): Promise<void> {
    for (let i = 0; i < legs.length; i += 1000) {
      const chunk = legs.slice(i, i + 1000);
      await this.kafka.send('callLegs', chunk.map((leg) => ({ key: leg.call_uuid, value: leg })));
      this.legsSent += chunk.length;
    }
  }

  /**
   * Plays traffic in real time until `calls` calls have started and every event of theirs is
   * sent (or `until()` says stop), calling `progress` about once a second.
   */
  async play(traffic: CallTraffic, options: { calls: number; tickMs?: number; progress?: (p: SendProgress) => void; until?: () => boolean }): Promise<SendProgress> {
    const started = Date.now();
    let lastReport = started;
    const snapshot = (): SendProgress => ({ elapsedMs: Date.now() - started, callsStarted: traffic.callsStarted, legsSent: this.legsSent });
    for (;;) {
      const due = traffic.due(Date.now() - started, options.calls);
      if (due.length > 0) await this.send(due.map((d) => d.leg));
      if (Date.now() - lastReport >= 1000) {
        lastReport = Date.now();
        options.progress?.(snapshot());
      }
      if ((traffic.callsStarted >= options.calls && traffic.backlog() === 0) || options.until?.()) return snapshot();
      await new Promise((r) => setTimeout(r, options.tickMs ?? 20));
    }
  }

  async close(): Promise<void> {
    await this.kafka.onApplicationShutdown();
  }
}
