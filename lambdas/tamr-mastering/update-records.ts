/**
 * "Update Dataset": `POST /v1/datasets/{id}:updateRecords?header=false` with one CREATE command
 * per record, streamed from the records file. Synchronous: the answer is final.
 * `allCommandsSucceeded: false` fails the step with the validation errors.
 */
import { pipeline } from 'node:stream';
import * as z from 'zod';
import { apiHandler, lambdaEntry } from '../shared/handler';
import { parseJsonAs } from '../shared/http';
import { failed, succeeded } from '../shared/job-result';
import { openRecords, RecordsToCommands, toWebStream } from '../shared/record-source';
import { TAMR_ERRORS, updateRecordsPath, updateRecordsResultSchema } from '../../lib/providers/tamr-mastering/api';
import { callTamr } from './client';

const event = z.object({ datasetId: z.string().min(1), records: z.string().min(1), recordIdField: z.string().min(1) });

export const createHandler = apiHandler('tamr-mastering/update-records', event, async (args) => {
  const { event, logger } = args;
  const path = updateRecordsPath(event.datasetId);
  const source = await openRecords(event.records, args.settings.localObjects);
  const commands = new RecordsToCommands(event.recordIdField);
  // pipeline() propagates a bad line as an error of the request body, failing the upload.
  const body = pipeline(source, commands, () => undefined);
  const response = await callTamr(args, 'POST', path, { body: toWebStream(body), contentType: 'application/json' });

  const result = parseJsonAs(`POST ${path}`, response.body, updateRecordsResultSchema, 'unexpected updateRecords answer');
  const summary = { datasetId: event.datasetId, recordsSent: commands.count, commandsProcessed: result.numCommandsProcessed };
  logger.info('records sent', summary);
  if (!result.allCommandsSucceeded) {
    const errors = result.validationErrors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
    return failed(null, 'VALIDATION_FAILED', TAMR_ERRORS.validationFailed, `dataset ${event.datasetId}: ${errors.length} command(s) failed validation: ${errors.join('; ')}`, summary);
  }
  return succeeded(null, 'SUCCEEDED', summary);
});

export const handler = lambdaEntry(createHandler);
