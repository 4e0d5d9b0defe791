import { z } from 'zod';

/** Thrown at start-up when the environment does not describe a runnable service. */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`${service}: invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment once, at start-up, against a service's schema and returns
 * the typed result. Every bad key is named in one error, so an operator fixes them all
 * in one go instead of discovering them one restart at a time.
 */
export function loadConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || '(root)';
    const given = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
    const shown = given === undefined ? 'not set' : `got ${JSON.stringify(redactIfSecret(key, given))}`;
    return `${key}: ${issue.message} (${shown})`;
  });
  throw new ConfigError(service, problems);
}

const SECRET_KEY = /(PASSWORD|SECRET|TOKEN|KEY)$/i;

function redactIfSecret(key: string, value: string): string {
  return SECRET_KEY.test(key) ? '***' : value;
}
