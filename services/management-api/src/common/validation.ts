import { ValidationPipe, type ValidationError as ClassValidatorError } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateIf } from 'class-validator';
import { ValidationError, type FieldProblem } from '@callhooks/contracts';

/**
 * The global pipe: unknown properties are refused (not silently dropped, so a typo in a
 * field name is an error the client sees), values are turned into the DTO classes, and
 * every problem becomes one `validation_failed` error listing the fields at fault.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // every rule runs; flatten() keeps one message per field, the type's first (see TYPE_RULES)
    stopAtFirstError: false,
    // query strings are converted explicitly (see QueryBoolean); implicit conversion turns "false" into true
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => toValidationError(errors),
  });
}

export function toValidationError(errors: ClassValidatorError[]): ValidationError {
  const fields = flatten(errors, '');
  const summary = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return new ValidationError(`invalid request: ${summary}`, fields);
}

/**
 * Rules about a value's type or presence. When one fails, its message is the one that
 * says what is wrong: `limit=abc` "must be an integer", not "must not be greater than 200";
 * `url: null` "must be a string", not "must be shorter than…" (class-validator runs a
 * property's rules bottom-up, so the order of decorators cannot be relied on).
 */
const TYPE_RULES = ['whitelistValidation', 'isDefined', 'isString', 'isInt', 'isNumber', 'isBoolean', 'isObject', 'isArray', 'isIn', 'isEnum', 'isIso8601'];

function flatten(errors: ClassValidatorError[], parent: string): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const failed = Object.entries(e.constraints ?? {});
    const [rule, message] = failed.find(([r]) => TYPE_RULES.includes(r)) ?? failed[0] ?? [];
    if (rule !== undefined && message !== undefined) {
      out.push({ field, message: rule === 'whitelistValidation' ? 'is not a known property' : stripPropertyName(message, e.property) });
    }
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

/** class-validator messages start with the property name ("url must be…"); the field is named separately already. */
function stripPropertyName(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}

/**
 * An optional property that, when present, must be valid: absent means "use the default",
 * but null is refused (class-validator's @IsOptional() would let null through, and the
 * OpenAPI document, which does not mark such properties nullable, would be wrong).
 */
export function OptionalNotNull(): PropertyDecorator {
  return ValidateIf((_object: unknown, value: unknown) => value !== undefined);
}

/** A query-string boolean: only "true" / "false" (and 1/0) are booleans; anything else stays as given and fails @IsBoolean. */
export function QueryBoolean(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => {
    if (value === 'true' || value === '1' || value === true) return true;
    if (value === 'false' || value === '0' || value === false) return false;
    return value;
  });
}

/** A query-string integer: digits only become numbers; anything else stays as given and fails @IsInt. */
export function QueryInt(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value));
}
