import { Injectable } from '@nestjs/common';
import type { CallPayload, FieldProblem, HttpMethod } from '@callhooks/contracts';
import { compileTemplate, renderRequest, templateProblems } from '@callhooks/templating';
import { BodyTemplates, type RenderedRequest } from './body-templates';

/** BodyTemplates over @callhooks/templating. */
@Injectable()
export class TemplatingBodyTemplates extends BodyTemplates {
  problems(body: string, method: HttpMethod): FieldProblem[] {
    // keep field and message only: the API's error shape (line/column/path are in the message)
    return templateProblems(body, { field: 'body', method }).map((p) => ({ field: p.field, message: p.message }));
  }

  render(webhook: { method: HttpMethod; url: string; body: string | null }, payload: CallPayload): RenderedRequest {
    const template = webhook.body === null ? null : compileTemplate(webhook.body, { method: webhook.method });
    const rendered = renderRequest({ method: webhook.method, url: webhook.url, template }, payload);
    return { method: rendered.method, url: rendered.url, body: rendered.body, query: rendered.query ? { ...rendered.query } : null };
  }
}
