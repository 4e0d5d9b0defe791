import type { IHeaders, Message, Producer, Transaction } from 'kafkajs';
import { deadLetterTopicOf, type TopicSpec } from '@callhooks/contracts';

/** Header names on dead-lettered records. */
export const DLQ_HEADERS = {
  reason: 'x-callhooks-dlq-reason',
  errorClass: 'x-callhooks-dlq-error-class',
  sourceTopic: 'x-callhooks-dlq-source-topic',
  sourcePartition: 'x-callhooks-dlq-source-partition',
  sourceOffset: 'x-callhooks-dlq-source-offset',
  consumerGroup: 'x-callhooks-dlq-consumer-group',
  at: 'x-callhooks-dlq-at',
} as const;

export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | string | null;
  value: Buffer | null;
  headers?: IHeaders;
  /** Short class used as a metric label: decode_error, oversized, contract_violation, handler_error. */
  errorClass: string;
  reason: string;
}

/** The record sent to `<topic>.dlq`: the original key, bytes and headers, plus where it came from and why. */
export function deadLetterMessage(dl: DeadLetter, group: string): { topic: string; message: Message } {
  return {
    topic: deadLetterTopicOf(dl.topic),
    message: {
      key: dl.key,
      value: dl.value,
      headers: {
        ...(dl.headers ?? {}),
        [DLQ_HEADERS.reason]: dl.reason.slice(0, 2000),
        [DLQ_HEADERS.errorClass]: dl.errorClass,
        [DLQ_HEADERS.sourceTopic]: dl.topic,
        [DLQ_HEADERS.sourcePartition]: String(dl.partition),
        [DLQ_HEADERS.sourceOffset]: dl.offset,
        [DLQ_HEADERS.consumerGroup]: group,
        [DLQ_HEADERS.at]: new Date().toISOString(),
      },
    },
  };
}

export async function sendDeadLetters(sender: Producer | Transaction, letters: DeadLetter[], group: string): Promise<void> {
  if (letters.length === 0) return;
  const byTopic = new Map<string, Message[]>();
  for (const dl of letters) {
    const { topic, message } = deadLetterMessage(dl, group);
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
  }
  await sender.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
}

/** Why a record's value is too large for its topic (it is then dead-lettered unread), or null. */
export function oversizeProblem(spec: TopicSpec, topic: string, value: Buffer | null): string | null {
  return value && value.length > spec.maxValueBytes ? `value of ${value.length} bytes is over the ${spec.maxValueBytes} bytes accepted on ${topic}` : null;
}

/**
 * Runs a contract check. Checks are meant to be total; one that throws anyway gives its error as
 * the reason, so a bug in a check dead-letters the record instead of stopping the consumer.
 */
export function contractProblem(check: () => string | null | undefined): string | null {
  try {
    return check() || null;
  } catch (err) {
    return `the contract check failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}
