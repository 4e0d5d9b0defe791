import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { startKafkaConsumers } from '@callhooks/kafka';
import { RecordingReceiver, testEnv } from '@callhooks/testing';
// the whole delivery path for "send test": the dispatcher service, in this process
import { AppModule as DispatcherAppModule } from '../../../dispatcher/src/app.module';
import { loadDispatcherConfig } from '../../../dispatcher/src/config/dispatcher.config';
import { startManagementApi, type RunningApi } from '../management-api.harness';

/** Dispatcher settings for a test: loopback receivers allowed, short timeouts, no jitter. */
const DISPATCHER_TEST_ENV: Record<string, string> = {
  DISPATCHER_ALLOW_PRIVATE_TARGETS: 'true',
  DISPATCHER_ATTEMPT_TIMEOUT_MS: '5000',
  DISPATCHER_BATCH_DEADLINE_MS: '300',
  DISPATCHER_RETRY_DELAYS_MS: '300,600,1200,2400,4800',
  DISPATCHER_RETRY_JITTER: '0',
  DISPATCHER_UNKNOWN_WEBHOOK_GRACE_MS: '30000',
};

export interface ConsoleStack {
  api: RunningApi;
  /** http://127.0.0.1:<port>: the management API with the console. */
  baseUrl: string;
  receiver: RecordingReceiver;
  /** http://127.0.0.1:<port> of the recording receiver. */
  receiverUrl: string;
  dispatcher: INestApplicationContext;
  stop: () => Promise<void>;
}

/**
 * The management API (all features, the delivery log's consumer included) listening on a
 * free loopback port, a dispatcher on the same topics, and a recording receiver: a test
 * send from the console goes API -> Kafka -> dispatcher -> receiver -> results -> delivery log.
 */
export async function startConsoleStack(options: { database: string; prefix: string }): Promise<ConsoleStack> {
  const receiver = new RecordingReceiver();
  const receiverUrl = await receiver.start();
  const api = await startManagementApi({ database: options.database, prefix: options.prefix, withDeliveryLog: true });
  await api.app.listen(0, '127.0.0.1');
  const { port } = api.app.getHttpServer().address() as AddressInfo;
  const dispatcher = await NestFactory.create(DispatcherAppModule.register(loadDispatcherConfig(testEnv(options.prefix, DISPATCHER_TEST_ENV))), { logger: false });
  dispatcher.enableShutdownHooks();
  await startKafkaConsumers(dispatcher);
  return {
    api,
    baseUrl: `http://127.0.0.1:${port}`,
    receiver,
    receiverUrl,
    dispatcher,
    stop: async () => {
      await dispatcher.close().catch(() => undefined);
      await api.connection.dropDatabase().catch(() => undefined);
      await api.close().catch(() => undefined);
      await receiver.stop();
    },
  };
}
