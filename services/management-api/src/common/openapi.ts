import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_SCHEME, OPERATOR_SCHEME } from '../auth/auth.decorators';
import { ERROR_CODES, type ErrorCode } from './api-error';
import { PLATFORM_ID_PATTERN } from './ids';

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
  return describeWhatIsEnforced(SwaggerModule.createDocument(app, config));
}

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** Path parameters and the ids they take: the platform's ids for customers and environments, UUIDs for ours. */
function pathParameterPattern(path: string, name: string): string {
  if (name === 'customerId' || (name === 'id' && path.startsWith('/v1/environments/'))) return PLATFORM_ID_PATTERN.source;
  return UUID_PATTERN;
}

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type ParameterObject = { name: string; in: string; required?: boolean; schema?: Record<string, unknown> };

const ERROR_SCHEMA = { $ref: '#/components/schemas/ApiErrorDto' };

/**
 * The parts of the contract the decorators do not state, added to the generated document
 * so it says exactly what the API enforces (schemathesis checks it, scripts/schemathesis.sh):
 * request bodies refuse unknown properties (the validation pipe's forbidNonWhitelisted);
 * path ids have their patterns; a path parameter is listed only on routes that have it; and
 * every operation lists the 4xx answers every request can get: 400 (bad input, malformed or
 * too deeply nested JSON), 413 (body over the limit) and 415 (a charset or Content-Encoding
 * the API does not read), 404 where the path names a resource, 431 (request line and headers
 * over Node's 16 KiB).
 */
export function describeWhatIsEnforced(doc: OpenAPIObject): OpenAPIObject {
  const requestSchemas = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const op = item[method] as Operation | undefined;
      if (!op) continue;
      const inPath = new Set([...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
      const params = ((op.parameters ?? []) as ParameterObject[]).filter((p) => p.in !== 'path' || inPath.has(p.name));
      for (const p of params) {
        if (p.in === 'path') p.schema = { type: 'string', ...p.schema, pattern: pathParameterPattern(path, p.name) };
      }
      op.parameters = params as Operation['parameters'];
      const requestBody = op.requestBody as { required?: boolean; content?: Record<string, { schema?: { $ref?: string } }> } | undefined;
      const body = requestBody?.content?.['application/json']?.schema?.$ref?.replace('#/components/schemas/', '');
      if (requestBody && body) {
        requestSchemas.add(body);
        // a DTO with no required property accepts an absent body as {} (an update that changes nothing, a preview of the defaults)
        const required = (doc.components?.schemas?.[body] as { required?: string[] } | undefined)?.required ?? [];
        requestBody.required = required.length > 0;
      }
      addError(op, 400, ['validation_failed', 'malformed_json']);
      addError(op, 413, ['payload_too_large']);
      addError(op, 415, ['unsupported_media_type']);
      if (inPath.size > 0) addError(op, 404, ['not_found']);
      // a class-level decorator may have put a 404 on its lists too: only a path naming a resource answers it
      else delete op.responses[404];
      // Node's HTTP parser refuses a request line and headers over 16 KiB itself, before the app, with no body
      op.responses[431] ??= { description: 'The request line and headers together exceed 16 KiB (answered by the HTTP server, with no body).' };
    }
  }
  const schemas = doc.components?.schemas ?? {};
  for (const name of requestSchemas) {
    const schema = schemas[name] as { additionalProperties?: unknown } | undefined;
    if (schema) schema.additionalProperties = false;
  }
  return doc;
}

function addError(op: Operation, status: number, codes: ErrorCode[]): void {
  if (op.responses[status]) return;
  op.responses[status] = {
    description: codes.map((c) => `\`${c}\`: ${ERROR_CODES[c].meaning}`).join(' '),
    content: { 'application/json': { schema: ERROR_SCHEMA } },
  };
}

/** Interactive docs at /docs, the document at /docs/openapi.json. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
}
