import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_SCHEME, OPERATOR_SCHEME } from '../auth/auth.decorators';
import { ERROR_CODES } from './api-error';

/** The OpenAPI document, generated from the controllers and DTOs. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const codes = Object.entries(ERROR_CODES)
    .map(([code, { status, meaning }]) => `| \`${code}\` | ${status} | ${meaning} |`)
    .join('\n');
  const config = new DocumentBuilder()
    .setTitle('callhooks management API')
    .setDescription(
      'Webhooks of call events: customers and API keys (operator), webhooks, environments and their subscriptions, the event and field catalog, ' +
        'body previews, signing secrets, and the delivery log.\n\n' +
        'Every error is `{"error": {"code", "message", "fields": [{"field", "message"}]}, "request_id"}`:\n\n| code | status | when |\n|---|---|---|\n' +
        codes,
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A customer API key (`chk_…`), issued by the operator.' }, API_KEY_SCHEME)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'The operator token (MANAGEMENT_OPERATOR_TOKEN).' }, OPERATOR_SCHEME)
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Interactive docs at /docs, the document at /docs/openapi.json. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
}
