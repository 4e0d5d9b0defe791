import type { DestinationStream } from 'pino';
import pinoPretty, { type PrettyOptions } from 'pino-pretty';

type Paint = (text: string) => string;
type Colours = Record<'cyan' | 'magenta' | 'yellow' | 'green' | 'blue' | 'red' | 'bold', Paint>;

type ServiceColour = 'cyan' | 'magenta' | 'yellow' | 'green' | 'blue' | 'red';
const SERVICE_COLOURS: Record<string, ServiceColour> = { 'management-api': 'cyan', enricher: 'magenta', matcher: 'yellow', dispatcher: 'green' };

/** The colour a service's name gets: the same for a name on every line and every start. */
export function serviceColour(service: string): ServiceColour {
  if (SERVICE_COLOURS[service]) return SERVICE_COLOURS[service];
  const palette = ['blue', 'red', 'cyan', 'magenta', 'yellow', 'green'] as const;
  let hash = 0;
  for (const ch of service) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return palette[hash % palette.length];
}

/** `[service] message`, the name in its colour (plain text when colours are off). */
export function formatPrettyMessage(log: Record<string, unknown>, messageKey: string, colours: Colours): string {
  const service = typeof log.service === 'string' ? log.service : '';
  const message = log[messageKey] === undefined ? '' : String(log[messageKey]);
  if (!service) return message;
  return `${colours.bold(colours[serviceColour(service)](`[${service}]`))} ${message}`;
}

export const PRETTY_OPTIONS: PrettyOptions = {
  translateTime: 'SYS:HH:MM:ss.l',
  // the service is in the message prefix; pid and host say nothing on one machine
  ignore: 'pid,hostname,service',
  singleLine: true,
  messageFormat: (log, messageKey, _level, { colors }) => formatPrettyMessage(log, messageKey, colors as unknown as Colours),
  // synchronous writes: the last lines before an exit are not lost
  sync: true,
};

/**
 * pino's pretty printer on stdout, in the process (no worker thread), for a person at a
 * terminal (stdout unless told). Colours follow the terminal (colorette: off for a pipe or NO_COLOR).
 */
export function prettyLogStream(destination?: NodeJS.WritableStream): DestinationStream {
  return pinoPretty(destination ? { ...PRETTY_OPTIONS, destination } : PRETTY_OPTIONS);
}
