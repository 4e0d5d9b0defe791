/**
 * MongoDB is unreachable (no server selected, the connection lost or closed, mongoose's queue of
 * commands given up while disconnected): the database's fault, not the request's or the record's.
 * The API answers 503 (ApiExceptionFilter); a consumer retries its batch until the database is back.
 */
export function isMongoUnavailable(err: unknown): boolean {
  const { name = '', message = '' } = (err ?? {}) as { name?: string; message?: string };
  if (/^Mongo(ose)?(ServerSelection|Network|NetworkTimeout|NotConnected|TopologyClosed)Error$/.test(name)) return true;
  // mongoose queues commands while disconnected and gives up after bufferTimeoutMS
  return name === 'MongooseError' && /buffering timed out/.test(message);
}
