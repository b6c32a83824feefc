/**
 * The picture of a triggered pipeline (docs/triggers.png, `npx tsx bin/triggers-diagram.ts`):
 * a file lands in S3, EventBridge delivers its Object Created event (at least once) to the run
 * starter, which starts one execution named after the object; the execution queues behind the
 * run in progress, then its records step reads that object. Failures to start end in the alarmed
 * dead-letter queue. The state names are the synthesized ones.
 */
import { FONT_SIZES } from './graphviz';

export function triggersDot(): string {
  const box = (fill: string, color: string) => `shape=box, style="rounded,filled", fillcolor="${fill}", color="${color}"`;
  const aws = box('#fef3c7', '#b45309');
  const task = box('#dbeafe', '#1d4ed8');
  const choice = 'shape=hexagon, style=filled, fillcolor="#f3f4f6", color="#4b5563"';
  const fail = `${box('#fee2e2', '#b91c1c')}, peripheries=2`;
  return [
    'digraph triggers {',
    '  rankdir=TB; nodesep=0.35; ranksep=0.35; pad=0.2;',
    `  label="A pipeline triggered by files landing in S3"; labelloc=t; fontname="DejaVu Sans"; fontsize=${FONT_SIZES.title};`,
    `  node [fontname="DejaVu Sans", fontsize=${FONT_SIZES.node}, height=0.4, margin="0.12,0.05"];`,
    `  edge [fontname="DejaVu Sans", fontsize=${FONT_SIZES.edge}, color="#6b7280", fontcolor="#374151", arrowsize=0.7];`,
    `  file [label="s3://acme-landing/tamr/records/2026-12-01.jsonl\\nlands (bucket sends events to EventBridge)", ${aws}];`,
    `  rule [label="EventBridge rule\\nsource aws.s3, Object Created,\\nbucket, prefix and suffix", ${aws}];`,
    `  starter [label="Run starter (Lambda)\\nStartExecution named s3-<file>-<hash of\\nbucket, key, version or ETag>", ${task}];`,
    `  dlq [label="Dead-letter queue\\n+ alarm to the alert topics", ${fail}];`,
    `  duplicate [label="ExecutionAlreadyExists:\\nduplicate, counted\\n(Continuum/DuplicateTriggers)", ${box('#f3f4f6', '#4b5563')}];`,
    '  subgraph cluster_run {',
    '    label="One execution per object"; fontsize=14; style="rounded,dashed"; color="#6b7280";',
    `    queue [label="Join the run queue\\n(waits for earlier runs, in arrival order)", ${choice}];`,
    `    timedout [label="Run queue timed out\\n(RunQueueTimedOut, names the file)", ${fail}];`,
    `    choose [label="Choose records to\\nupdate dataset records", ${choice}];`,
    `    update [label="Update dataset records\\n(reads the object in the input)", ${task}];`,
    `    rest [label="Refresh unified dataset, record pairs,\\nrecord clusters, dataset export …", ${task}];`,
    '  }',
    '  file -> rule [label=" event, at least once"];',
    '  rule -> starter [label=" input: the event"];',
    '  rule -> dlq [label=" undeliverable", style=dashed];',
    '  starter -> dlq [label=" failed 3 times", style=dashed];',
    '  starter -> duplicate [label=" same name again", style=dashed];',
    '  starter -> queue [label=" {records, etag}"];',
    '  queue -> timedout [label=" past maxQueueMinutes", style=dashed];',
    '  queue -> choose [label=" its turn"];',
    '  choose -> update [label=" $.records"];',
    '  update -> rest;',
    '}',
  ].join('\n');
}
