/**
 * Domain errors shared by every service. The management API maps them to HTTP statuses in
 * one exception filter; the Kafka runtime decides from them whether a failure is worth a
 * retry (RetryableError), or marks the record as poison (NonRetryableError, ContractViolation).
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldProblem {
  field: string;
  message: string;
}

export class ValidationError extends DomainError {
  readonly code: string = 'validation_failed';
  constructor(
    message: string,
    readonly fields: FieldProblem[] = [],
    code?: string,
  ) {
    super(message, { fields });
    if (code) this.code = code;
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
}

export class ConflictError extends DomainError {
  readonly code = 'conflict';
}

/** A dependency is temporarily unavailable: try the same work again later. */
export class RetryableError extends DomainError {
  readonly code = 'retryable';
}

/** The work can never succeed as it is: do not retry it. */
export class NonRetryableError extends DomainError {
  readonly code: string = 'non_retryable';
}

/** A Kafka record that decodes but breaks the contract of its topic (missing id, unknown event name, …). */
export class ContractViolation extends NonRetryableError {
  override readonly code = 'contract_violation';
}
