import { Writable } from 'node:stream';
import { createColors } from 'colorette';
import pino from 'pino';
import { formatPrettyMessage, prettyLogStream, serviceColour } from './pretty-log-stream';
import { baseLoggerOptions } from './logger.options';

describe('pretty logs', () => {
  it('prefixes the message with the service name in the service’s own colour', () => {
    const colours = createColors({ useColor: true });
    const line = formatPrettyMessage({ service: 'enricher', msg: 'enricher listening' }, 'msg', colours);
    expect(line).toBe(`${colours.bold(colours[serviceColour('enricher')]('[enricher]'))} enricher listening`);
    expect(line).toContain('\u001b[');
  });

  it('gives the four services four different colours', () => {
    expect(new Set(['management-api', 'enricher', 'matcher', 'dispatcher'].map(serviceColour)).size).toBe(4);
  });

  it('is plain text when colours are off', () => {
    expect(formatPrettyMessage({ service: 'matcher', msg: 'hello' }, 'msg', createColors({ useColor: false }))).toBe('[matcher] hello');
  });

  it('writes one readable line per entry, fields inline, secrets still redacted', () => {
    const written: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (written.push(String(chunk)), done()) });
    pino(baseLoggerOptions('dispatcher', 'info'), prettyLogStream(sink)).warn({ target: 'https://example.com', headers: { authorization: 'Bearer x' } }, 'breaker opened');
    const text = written.join('');
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    expect(text).toMatch(/WARN.*\[dispatcher\].*breaker opened.*"target":"https:\/\/example.com"/);
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('Bearer x');
    expect(() => JSON.parse(text)).toThrow();
  });
});
