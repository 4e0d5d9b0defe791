import type { Request } from 'express';

/** Who made the request, once a guard has checked the credential. */
export type Principal = { kind: 'customer'; customerId: string; apiKeyId: string } | { kind: 'operator' };

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/** The bearer credential of a request, or null. */
export function bearerToken(req: Request): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
