/**
 * delivery_attempts without its foreign key to deliveries: the key's check ran a lookup and a row
 * lock on the delivery for every attempt written, some 40% of the attempts' insert. What it
 * guarded is kept by their only writer and their only deleter instead: the delivery log's
 * writer inserts a delivery's attempts in the transaction that inserted it or locked it (its
 * status update), and the retention purge deletes a batch's attempts in a statement after the
 * one deleting their deliveries, which waits for such a writer (deliveries/delivery-retention.ts).
 */
export const ATTEMPTS_WITHOUT_FOREIGN_KEY = `
ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_delivery_id_fkey;
`;
