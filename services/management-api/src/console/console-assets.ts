import { existsSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** The only kinds of file the console ships; anything else under its folder is not served. */
export const CONSOLE_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Where the console's static files are: beside the compiled code when the build copied
 * them (dist/services/management-api/console), else in the source tree
 * (services/management-api/console), which is where they are under jest and `npm run up`.
 */
export function findConsoleRoot(fromDir: string = __dirname): string | null {
  const candidates = [
    resolve(fromDir, '..', '..', 'console'),
    // dist/services/management-api/src/console -> the repository's services/management-api/console
    resolve(fromDir, '..', '..', '..', '..', '..', 'services', 'management-api', 'console'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

export interface ConsoleAsset {
  path: string;
  contentType: string;
}

/**
 * The file a request path names, or null: only known file types, no dot-files, nothing
 * outside the root (`..`, encoded or not, and absolute paths never escape it).
 */
export function resolveConsoleAsset(root: string, requestPath: string): ConsoleAsset | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relativePath = decoded === '' || decoded.endsWith('/') ? `${decoded}index.html` : decoded;
  const segments = relativePath.split(/[\\/]+/).filter((s) => s !== '');
  if (segments.some((s) => s.startsWith('.'))) return null;
  const full = resolve(root, ...segments);
  const inside = relative(root, full);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside) || inside.split(sep).includes('..')) return null;
  const contentType = CONSOLE_CONTENT_TYPES[extname(full).toLowerCase()];
  if (!contentType) return null;
  try {
    if (!statSync(full).isFile()) return null;
  } catch {
    return null;
  }
  return { path: full, contentType };
}
