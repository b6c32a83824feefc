/**
 * Execution names for triggered runs, derived from what triggered them, so that a duplicate
 * delivery of the same event (EventBridge delivers at least once) meets `ExecutionAlreadyExists`
 * instead of starting a second run. Step Functions keeps names unique per state machine for 90
 * days: names allow `A-Za-z0-9-_` and 80 characters.
 */
import { createHash } from 'node:crypto';

/** An S3 "Object Created" event's object. */
export interface S3Object {
  readonly bucket: string;
  readonly key: string;
  /** The object version (versioned buckets) or its ETag: the same key written again is a new run. */
  readonly versionId?: string;
  readonly etag?: string;
}

/** `s3-<readable tail of the key>-<hash of bucket, key and version or etag>`. */
export function s3RunName(object: S3Object): string {
  const identity = [object.bucket, object.key, object.versionId ?? object.etag ?? ''].join('\n');
  return named('s3', object.key.split('/').pop() ?? object.key, identity);
}

/** `event-<detail-type>-<hash of the event id>`: EventBridge redelivers an event with its id. */
export function eventRunName(event: { readonly id: string; readonly 'detail-type'?: string }): string {
  return named('event', event['detail-type'] ?? '', event.id);
}

/** A name for a run started by hand again for the same object: the same name with a suffix. */
export function rerunName(name: string, suffix: string): string {
  const tail = `-${suffix.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 30);
  return `${name.slice(0, 80 - tail.length)}${tail}`;
}

function named(kind: string, readable: string, identity: string): string {
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 20);
  const tail = readable.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80 - kind.length - hash.length - 2);
  return tail ? `${kind}-${tail}-${hash}` : `${kind}-${hash}`;
}
