import { Injectable } from '@nestjs/common';

/**
 * Serialises the writes of this process to one document. FerretDB v1 applies an update by
 * reading the document, changing it and writing it back, without isolation: two concurrent
 * updates of one document lose one of them (even conditional ones; see API.md, "Consistency").
 * So every read-modify-write of a published document (PublishedDocuments), and every publish
 * acknowledgement, runs under the document's lock (publishedDocumentLock). Across instances, only MongoDB's atomic updates protect
 * (the version conditions of the writes do that there).
 */
@Injectable()
export class DocumentLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Documents with work queued or running (for tests). */
  size(): number {
    return this.tails.size;
  }
}
