/**
 * Streams a JSON-lines records file (an S3 object when deployed, a local file in local runs)
 * without ever holding the whole dataset in memory.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ContinuumError, NotFoundError } from './errors';
import { errorName } from '../../lib/contract/errors';

/** A records file line that is not a JSON object with an id. Fails the step; nothing is retried. */
export class BadRecordsError extends ContinuumError {
  readonly name = errorName('BadRecords');
}

let s3: S3Client | undefined;

/**
 * `localObjects` (local runs only) maps the `s3://` URI of a records file deployed as a CDK asset
 * back to the file, so a local run reads what `cdk deploy` uploads without an S3 bucket.
 */
export async function openRecords(uri: string, localObjects: Readonly<Record<string, string>> = {}): Promise<Readable> {
  const local = Object.hasOwn(localObjects, uri) ? localObjects[uri] : undefined;
  if (local !== undefined) return openFile(local);
  const s3Uri = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (s3Uri) {
    s3 ??= new S3Client({});
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: s3Uri[1], Key: s3Uri[2] }));
      return object.Body as Readable;
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') throw new NotFoundError(`records object ${uri} does not exist`);
      throw error;
    }
  }
  return openFile(uri);
}

async function openFile(path: string): Promise<Readable> {
  try {
    await access(path);
  } catch {
    throw new NotFoundError(`records file ${path} does not exist`);
  }
  return createReadStream(path);
}

/**
 * JSON lines in, Tamr `CREATE` command documents out, one per line. Counts what it wrote.
 */
export class RecordsToCommands extends Transform {
  count = 0;
  private carry = '';
  private line = 0;
  /** Keeps a multi-byte character that a read chunk cut in two until its last byte arrives. */
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly idField: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const lines = (this.carry + this.decoder.write(chunk)).split('\n');
    this.carry = lines.pop() ?? '';
    try {
      for (const line of lines) this.emitLine(line);
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.emitLine(this.carry + this.decoder.end());
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  private emitLine(text: string): void {
    this.line += 1;
    if (!text.trim()) return;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      throw new BadRecordsError(`records line ${this.line} is not valid JSON`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new BadRecordsError(`records line ${this.line} is not a JSON object`);
    const id = (record as Record<string, unknown>)[this.idField];
    if (id === undefined || id === null || id === '') throw new BadRecordsError(`records line ${this.line} has no '${this.idField}' field`);
    this.count += 1;
    this.push(`${JSON.stringify({ action: 'CREATE', recordId: String(id), record })}\n`);
  }
}

/** A Node stream as the web stream fetch takes as a body. */
export function toWebStream(stream: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
}
