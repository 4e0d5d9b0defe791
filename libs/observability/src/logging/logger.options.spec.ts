import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { LoggerModule } from 'nestjs-pino';
import { Registry } from 'prom-client';
import request from 'supertest';
import { HealthModule } from '../health/health.module';
import { MetricsModule } from '../metrics/metrics.module';
import { nestLoggerParams, OPS_ROUTES, redactUrl } from './logger.options';

const KEY = 'chk_Xq3vT9aBc2H7kLmN0pQrStUvWxYz1234567890abcde';

describe('redactUrl (request URLs in the logs)', () => {
  it.each([
    [`/v1/webhooks?access_token=${KEY}`, '/v1/webhooks?access_token=[redacted]'],
    [`/v1/webhooks?limit=5&api_key=${KEY}&order=asc`, '/v1/webhooks?limit=5&api_key=[redacted]&order=asc'],
    ['/v1/webhooks?token=operator-secret-token-123', '/v1/webhooks?token=[redacted]'],
    [`/v1/webhooks?q=${KEY}`, '/v1/webhooks?q=[redacted]'],
    [`/v1/${KEY}/webhooks`, '/v1/[redacted]/webhooks'],
    ['/v1/webhooks?limit=5&cursor=abc', '/v1/webhooks?limit=5&cursor=abc'],
    ['/v1/webhooks', '/v1/webhooks'],
  ])('%s is logged as %s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
    expect(redactUrl(url)).not.toContain(KEY);
  });

  it('is what the request serializer of the HTTP logs writes', () => {
    const serializers = (nestLoggerParams('test', 'info').pinoHttp as { serializers: { req: (r: unknown) => { url: string } } }).serializers;
    expect(serializers.req({ id: '1', method: 'GET', url: `/v1/webhooks?access_token=${KEY}` }).url).toBe('/v1/webhooks?access_token=[redacted]');
  });
});

describe('the request logger on the ops routes', () => {
  let app: INestApplication;

  @Controller()
  class ApiController {
    @Get('v1/ping')
    ping(): string {
      return 'pong';
    }
  }

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [LoggerModule.forRoot(nestLoggerParams('test', 'silent')), MetricsModule.forRoot('test', new Registry()), HealthModule],
      controllers: [ApiController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(() => app.close());

  it('runs for the API (each request gets its id)', async () => {
    const res = await request(app.getHttpServer()).get('/v1/ping').expect(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  // its AsyncLocalStorage would otherwise turn on a promise hook for the whole process at the first scrape
  it.each(OPS_ROUTES)('is skipped for /%s', async (route) => {
    const res = await request(app.getHttpServer()).get(`/${route}`);
    expect(res.status).toBeLessThan(500);
    expect(res.headers['x-request-id']).toBeUndefined();
  });
});
