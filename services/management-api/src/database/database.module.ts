import { Global, Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectConnection, MongooseModule } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { ReadinessChecks } from '@callhooks/observability';
import { MANAGEMENT_API_CONFIG, type ManagementApiConfig } from '../config/management-api.config';
import { ApiKey, ApiKeySchema } from '../customers/api-key.schema';
import { Customer, CustomerSchema } from '../customers/customer.schema';
import { Environment, EnvironmentSchema } from '../environments/environment.schema';
import { OperationalWebhook, OperationalWebhookSchema } from '../operational-webhooks/operational-webhook.schema';
import { Webhook, WebhookSchema } from '../webhooks/webhook.schema';
import { DocumentLocks } from './document-locks';
import { MIGRATIONS } from './migrations';
import { migrate } from './postgres-migrations';
import { PostgresPool } from './postgres-pool';

/**
 * The databases: MongoDB for the configuration, PostgreSQL for the delivery log (PostgresPool).
 * The models of the configuration (customers, keys, webhooks, environments), registered once
 * and shared: the config publisher reads webhooks and environments, the environments feature
 * checks webhook ids. Other features (recoveries) register their own models with
 * MongooseModule.forFeature on the same connection.
 */
const CONFIG_MODELS = MongooseModule.forFeature([
  { name: Customer.name, schema: CustomerSchema },
  { name: ApiKey.name, schema: ApiKeySchema },
  { name: Webhook.name, schema: WebhookSchema },
  { name: Environment.name, schema: EnvironmentSchema },
  { name: OperationalWebhook.name, schema: OperationalWebhookSchema },
]);

/**
 * Indexes earlier versions created and this one must not keep: `environments`' index over the
 * webhook_ids array made FerretDB on PostgreSQL refuse an environment with about 70 subscriptions.
 */
const OBSOLETE_INDEXES: ReadonlyArray<{ model: string; index: string }> = [{ model: Environment.name, index: 'customer_id_1_webhook_ids_1' }];

/** Readiness pings MongoDB; start-up drops obsolete indexes and waits until the current ones (unique constraints included) exist. */
@Injectable()
class DatabaseLifecycle implements OnModuleInit {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    readiness: ReadinessChecks,
  ) {
    readiness.register('mongodb', async () => {
      const db = this.connection.db;
      if (!db) throw new Error('not connected');
      await db.admin().ping();
    });
  }

  async onModuleInit(): Promise<void> {
    await Promise.all(this.connection.modelNames().map((name) => this.connection.model(name).init()));
    for (const { model, index } of OBSOLETE_INDEXES) {
      const collection = this.connection.model(model).collection;
      if ((await collection.indexExists(index).catch(() => false)) === true) await collection.dropIndex(index);
    }
  }
}

/**
 * PostgreSQL (the delivery log): start-up applies the migrations (under an advisory lock, so
 * instances starting together are safe), readiness runs a query, shutdown closes the pool.
 */
@Injectable()
class PostgresLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly postgres: PostgresPool,
    @Inject(MANAGEMENT_API_CONFIG) private readonly config: ManagementApiConfig,
    readiness: ReadinessChecks,
  ) {
    readiness.register('postgresql', async () => {
      await this.postgres.query('SELECT 1');
    });
  }

  async onModuleInit(): Promise<void> {
    await migrate(this.postgres.pool, this.config.postgres.schema, MIGRATIONS);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.postgres.close();
  }
}

@Global()
@Module({
  imports: [
    MongooseModule.forRootAsync({
      inject: [MANAGEMENT_API_CONFIG],
      useFactory: (config: ManagementApiConfig) => ({
        uri: config.mongodbUri,
        serverSelectionTimeoutMS: 5000,
        // fail a start-up against a dead database after a few attempts instead of retrying forever
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
    CONFIG_MODELS,
  ],
  providers: [
    DatabaseLifecycle,
    DocumentLocks,
    { provide: PostgresPool, inject: [MANAGEMENT_API_CONFIG], useFactory: (config: ManagementApiConfig) => new PostgresPool(config.postgres) },
    PostgresLifecycle,
  ],
  exports: [CONFIG_MODELS, DocumentLocks, PostgresPool],
})
export class DatabaseModule {}
