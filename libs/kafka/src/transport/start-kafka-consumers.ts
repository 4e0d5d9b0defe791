import type { INestApplication } from '@nestjs/common';
import { KafkaConsumerTransport } from './kafka-consumer.transport';

/**
 * Starts a service's Kafka consumers, the same way in every service (main.ts and the tests):
 * the application is initialised first (its providers ready: views, stores, schedulers), then
 * the consumer transport starts every @KafkaConsumer handler. Resolves once the consumers that
 * start with the service have joined their groups; rejects when one of them cannot.
 */
export async function startKafkaConsumers(app: INestApplication): Promise<void> {
  await app.init();
  app.connectMicroservice({ strategy: app.get(KafkaConsumerTransport) });
  await app.startAllMicroservices();
}
