import type { IHeaders, Message, Producer, Transaction } from 'kafkajs';
import { deadLetterTopicOf } from '@callhooks/contracts';

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
  /** Short class used as a metric label: decode_error, contract_violation, handler_error. */
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
