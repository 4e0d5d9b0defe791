import { nestLoggerParams, redactUrl } from './logger.options';

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
