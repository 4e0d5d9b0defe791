import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { HealthModule } from './health.module';
import { LivenessChecks } from './liveness';

describe('/healthz', () => {
  let app: INestApplication;
  let problem: string | null = null;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [HealthModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.get(LivenessChecks).register('kafka-consumers', async () => {
      if (problem) throw new Error(problem);
    });
    await app.init();
  });
  afterAll(() => app.close());

  it('answers 200 while every liveness check passes', async () => {
    problem = null;
    await request(app.getHttpServer()).get('/healthz').expect(200);
  });

  it('answers 503 naming the check and its reason once one fails', async () => {
    problem = 'consumer g has been out of its group for 301 s';
    const res = await request(app.getHttpServer()).get('/healthz').expect(503);
    expect(res.body.error['kafka-consumers']).toEqual({ status: 'down', reason: problem });
  });
});
