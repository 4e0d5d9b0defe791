import { getConnectionToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Connection } from 'mongoose';
import request from 'supertest';
import { dropTestPostgresSchema, TEST_SERVERS, testEnv } from '@callhooks/testing';
import { AppModule, type FeatureModule } from '../src/app.module';
import { createHttpApp } from '../src/common/http-app';
import { DeliveriesModule } from '../src/deliveries/deliveries.module';
import { loadManagementApiConfig, type ManagementApiConfig } from '../src/config/management-api.config';

export const OPERATOR_TOKEN = 'test-operator-token-0123456789abcdef';

export interface RunningApi {
  app: NestExpressApplication;
  config: ManagementApiConfig;
  http: () => ReturnType<typeof request>;
  connection: Connection;
  close: () => Promise<void>;
}

/**
 * The management API, in process, against the real servers: its own database and topic
 * prefix, loopback targets allowed unless the test says otherwise, quiet logs.
 */
export async function startManagementApi(options: {
  database: string;
  prefix: string;
  env?: Record<string, string>;
  withDeliveryLog?: boolean;
}): Promise<RunningApi> {
  const config = loadManagementApiConfig(
    testEnv(options.prefix, {
      MONGODB_URI: `${TEST_SERVERS.mongoUri}/${options.database}`,
      MANAGEMENT_OPERATOR_TOKEN: OPERATOR_TOKEN,
      MANAGEMENT_ALLOW_PRIVATE_TARGETS: 'true',
      MANAGEMENT_RECONCILE_INTERVAL_MS: '500',
      ...options.env,
    }),
  );
  const app = await createHttpApp(AppModule.register(config, options.withDeliveryLog ? AppModule.features() : withoutDeliveryLog()));
  await app.init();
  const server = app.getHttpServer();
  return {
    app,
    config,
    http: () => request(server),
    connection: app.get<Connection>(getConnectionToken()),
    close: async () => {
      await app.close();
      await dropTestPostgresSchema(options.prefix);
    },
  };
}

/**
 * The features of the configuration API without the delivery log: its results consumer joins
 * a Kafka group at start (seconds, and shared by every test run on the cluster) and is
 * tested in deliveries.e2e-spec.ts; smoke.e2e-spec.ts starts the whole application.
 */
function withoutDeliveryLog(): FeatureModule[] {
  return AppModule.features().filter((m) => !('module' in m && m.module === DeliveriesModule));
}

export function operator(): Record<string, string> {
  return { Authorization: `Bearer ${OPERATOR_TOKEN}` };
}

export function bearer(key: string): Record<string, string> {
  return { Authorization: `Bearer ${key}` };
}

/** Creates a customer and issues it an API key; returns the key. */
export async function customerWithKey(api: RunningApi, id: string): Promise<string> {
  await api
    .http()
    .post('/v1/customers')
    .set(operator())
    .send({ id, name: `Customer ${id}` })
    .expect(201);
  const res = await api.http().post(`/v1/customers/${id}/api-keys`).set(operator()).send({ name: 'tests' }).expect(201);
  return res.body.key as string;
}

/** Asserts the one error shape and returns the error. */
export function expectError(
  body: unknown,
  code: string,
  fields?: string[],
): { code: string; message: string; fields: Array<{ field: string; message: string }> } {
  const b = body as { error: { code: string; message: string; fields: Array<{ field: string; message: string }> }; request_id: string | null };
  expect(b.error).toEqual(expect.objectContaining({ code, message: expect.any(String), fields: expect.any(Array) }));
  expect(typeof b.request_id).toBe('string');
  if (fields) expect(b.error.fields.map((f) => f.field).sort()).toEqual([...fields].sort());
  return b.error;
}
