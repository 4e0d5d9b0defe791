import type { ArgumentMetadata } from '@nestjs/common';
import { ValidationError } from '@callhooks/contracts';
import { CreateWebhookDto } from '../webhooks/dto/webhook.dto';
import { ListQueryDto } from './pagination';
import { createValidationPipe } from './validation';

async function problems(value: unknown, metatype: ArgumentMetadata['metatype'], type: ArgumentMetadata['type']) {
  try {
    await createValidationPipe().transform(value, { type, metatype });
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).fields;
  }
  throw new Error('the pipe accepted the value');
}

describe('the validation pipe names the type problem first', () => {
  it('limit=abc: "must be an integer", not a range message', async () => {
    expect(await problems({ limit: 'abc' }, ListQueryDto, 'query')).toEqual([{ field: 'limit', message: expect.stringMatching(/integer/) }]);
    expect(await problems({ limit: '500' }, ListQueryDto, 'query')).toEqual([{ field: 'limit', message: expect.stringMatching(/greater than 200/) }]);
  });

  it('url: null: "must be a string", not a length message', async () => {
    const fields = await problems({ event: 'Call:Hangup', url: null }, CreateWebhookDto, 'body');
    expect(fields).toEqual([{ field: 'url', message: expect.stringMatching(/must be a string/) }]);
  });

  it('one message per field, every field named', async () => {
    const fields = await problems({ event: 'nope', url: 5, colour: 'red' }, CreateWebhookDto, 'body');
    expect(fields.map((f) => f.field).sort()).toEqual(['colour', 'event', 'url']);
  });
});
