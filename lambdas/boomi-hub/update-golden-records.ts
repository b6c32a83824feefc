/**
 * "Update Golden Records": `POST /mdm/universes/<universeID>/records` with the batch XML streamed
 * from the records file (S3 object or local file). The answer is the batch update resource's URL;
 * its last segment is the batch id that Get Batch Update Status polls.
 */
import { pipeline, Transform } from 'node:stream';
import * as z from 'zod';
import { apiHandler, lambdaEntry } from '../shared/handler';
import { running } from '../shared/job-result';
import { openRecords, toWebStream } from '../shared/record-source';
import { batchIdFromAnswer, BoomiBatchState, recordsPath } from '../../lib/providers/boomi-hub/api';
import { callHub, targetEvent } from './client';

const event = targetEvent.extend({ records: z.string().min(1) });

export const createHandler = apiHandler('boomi-hub/update-golden-records', event, async (args) => {
  const { event, logger } = args;
  const path = recordsPath(event);
  const source = await openRecords(event.records, args.settings.localObjects);
  // Count what goes over the wire without holding the batch in memory.
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  // pipeline() turns a failing read (e.g. a vanished S3 object) into an error of the request body.
  const body = pipeline(source, counter, () => undefined);
  const response = await callHub(args, event, 'POST', path, { body: toWebStream(body) });
  const batchId = batchIdFromAnswer(`POST ${path}`, response.body, response.headers.get('location'));
  logger.info('batch submitted', { batchId, bytes });
  // A new batch is CREATED until the Hub starts parsing it.
  return running(batchId, BoomiBatchState.CREATED, { universeId: event.universeId, bytesSent: bytes });
});

export const handler = lambdaEntry(createHandler);
