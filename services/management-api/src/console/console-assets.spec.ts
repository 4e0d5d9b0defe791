import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findConsoleRoot, resolveConsoleAsset } from './console-assets';

describe('console assets', () => {
  const root = mkdtempSync(join(tmpdir(), 'console-'));
  mkdirSync(join(root, 'js', 'views'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  writeFileSync(join(root, 'console.css'), 'body{}');
  writeFileSync(join(root, 'js', 'views', 'webhooks.js'), 'export {}');
  writeFileSync(join(root, '.env'), 'SECRET=1');
  writeFileSync(join(root, 'notes.txt'), 'not shipped');
  const outside = mkdtempSync(join(tmpdir(), 'outside-'));
  writeFileSync(join(outside, 'secret.js'), 'nope');

  it('serves index.html for the folder and the files by type', () => {
    expect(resolveConsoleAsset(root, '')).toEqual({ path: join(root, 'index.html'), contentType: 'text/html; charset=utf-8' });
    expect(resolveConsoleAsset(root, 'console.css')?.contentType).toBe('text/css; charset=utf-8');
    expect(resolveConsoleAsset(root, 'js/views/webhooks.js')).toEqual({
      path: join(root, 'js', 'views', 'webhooks.js'),
      contentType: 'text/javascript; charset=utf-8',
    });
  });

  it.each([
    ['a missing file', 'js/missing.js'],
    ['a folder', 'js'],
    ['a dot-file', '.env'],
    ['an unknown file type', 'notes.txt'],
    ['a parent path', '../outside/secret.js'],
    ['an encoded parent path', '..%2F..%2Fetc%2Fpasswd'],
    ['a parent path inside', 'js/../../secret.js'],
    ['a broken escape', '%E0%A4%A'],
    ['a NUL byte', 'index.html%00.js'],
  ])('refuses %s', (_what, path) => {
    expect(resolveConsoleAsset(root, path)).toBeNull();
  });

  it('finds the console copied beside the build first (dist/services/management-api/console)', () => {
    const dist = mkdtempSync(join(tmpdir(), 'dist-'));
    const compiled = join(dist, 'services', 'management-api', 'src', 'console');
    mkdirSync(compiled, { recursive: true });
    mkdirSync(join(dist, 'services', 'management-api', 'console'));
    writeFileSync(join(dist, 'services', 'management-api', 'console', 'index.html'), '<!doctype html>');
    expect(findConsoleRoot(compiled)).toBe(join(dist, 'services', 'management-api', 'console'));
  });

  it('finds the console folder of the source tree', () => {
    const found = findConsoleRoot(__dirname);
    expect(found).toMatch(/services[\\/]management-api[\\/]console$/);
    expect(findConsoleRoot(outside)).toBeNull();
  });
});
