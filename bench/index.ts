/**
 * `npm run bench`: what polling, the Lambda bundles and synthesis cost, printed as tables and
 * written to bench/results.json. See README "Cost".
 *
 *   npm run bench                       # everything (several minutes on 2 cores)
 *   npm run bench -- --only polling     # or learned, bundles, synth (comma-separated)
 *   npm run bench:learned               # learned polling and the makespan alone
 *
 * A partial run merges its sections into bench/results.json and keeps the others.
 */
import '../bin/quiet-sdk-warning.mjs';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { BUNDLE_TARGETS, benchBundles, type BundlesBench } from './bundles';
import { APIS, benchPolling, STRATEGIES, type PollingComparison, type PollingRun } from './polling';
import { benchSynth, type SynthResult } from './synth';
import { benchLearned, type LearnedBench } from './learned';

const SECTIONS = ['polling', 'learned', 'bundles', 'synth'] as const;
type Section = (typeof SECTIONS)[number];

const only = (() => {
  const index = process.argv.indexOf('--only');
  const value = index >= 0 ? process.argv[index + 1] : process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  return value ? (value.split(',') as Section[]) : [...SECTIONS];
})();
const OUT = 'bench/.out';
const started = performance.now();
const log = (line: string) => process.stderr.write(`${line}\n`);
const print = (line = '') => process.stdout.write(`${line}\n`);

const results: {
  generatedAt: string;
  machine: { node: string; cpus: number; loadAverage: number[] };
  polling?: PollingComparison[];
  learnedPolling?: LearnedBench['learnedPolling'];
  learnedPollingDetail?: LearnedBench['learnedPollingDetail'];
  makespan?: LearnedBench['makespan'];
  makespanDetail?: LearnedBench['makespanDetail'];
  bundles?: BundlesBench;
  synth?: { warmupSeconds: number; results: SynthResult[] };
  targets: Array<{ target: string; met: boolean; detail: string }>;
  seconds?: number;
} = {
  generatedAt: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length, loadAverage: loadavg().map((l) => Number(l.toFixed(2))) },
  targets: [],
};

if (only.includes('polling')) {
  log('Polling: local executor + Tamr Mastering and Crossing Minds simulators on a virtual clock ...');
  results.polling = await benchPolling(log);
  printPolling(results.polling);
}
if (only.includes('learned')) {
  log('Learned polling: Tamr Mastering and Tamr Cloud simulators on a virtual clock, step durations in dynalite ...');
  const learned = await benchLearned(log);
  Object.assign(results, learned);
  printLearned(learned);
}
if (only.includes('bundles')) {
  log('Bundles: synthesizing pipelines.yaml with bundling, importing each bundle in fresh Node processes ...');
  results.bundles = await benchBundles(`${OUT}/bundles`, 10, log);
  printBundles(results.bundles);
}
if (only.includes('synth')) {
  log('Synth: 1, 20 and 100 generated pipelines ...');
  results.synth = benchSynth(`${OUT}/synth`, log);
  printSynth(results.synth.results, results.synth.warmupSeconds);
}
results.seconds = Number(((performance.now() - started) / 1000).toFixed(1));
printTargets(results.targets);
print(`\n${results.seconds} s on ${results.machine.cpus} CPUs (load average ${results.machine.loadAverage.join(', ')}), Node ${process.version}.`);
if (only.length === SECTIONS.length) {
  writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
  print('Written to bench/results.json.');
} else {
  // Only the sections that ran replace theirs; targets are replaced by name.
  const previous = existsSync('bench/results.json') ? (JSON.parse(readFileSync('bench/results.json', 'utf8')) as typeof results) : undefined;
  const names = new Set(results.targets.map((t) => t.target));
  const merged = { ...previous, ...results, targets: [...(previous?.targets ?? []).filter((t) => !names.has(t.target)), ...results.targets] };
  writeFileSync('bench/results.json', `${JSON.stringify(merged, null, 2)}\n`);
  print(`Merged ${only.join(', ')} into bench/results.json.`);
}
// The handlers' secret cache keeps refresh timers; the bench is done.
process.exit(0);

function printPolling(comparisons: PollingComparison[]): void {
  print('\n## Polling: one job, from submit to the next step (simulated seconds)\n');
  print(`${STRATEGIES.fixed.label}: every 30 s, as the seeds poll. ${STRATEGIES.adaptive.label}: wait 10 % of the time the job has run, 5 s to 300 s,`);
  print('or, where the API reports progress, as long as the pace between two readings says the job still needs.');
  print('Both with a 300-minute timeout so the 4-hour job can finish. One single-step pipeline (overlap guard, submit, polling loop, done).');
  print('Detection latency: measured for a job of exactly that length (round lengths fall on a fixed-30 s check, hence 0),');
  print('and worst case: the wait before the detecting check, i.e. the latency had the job finished just after the previous check');
  print('(a bound for a blind schedule; checks placed from progress are judged by the measured latency).');
  for (const c of comparisons) {
    print(`\n### ${APIS[c.api].label}: ${c.duration} job\n`);
    const row = (label: string, pick: (r: PollingRun) => number, ratio: number | null, digits = 0) =>
      [label, pick(c.fixed).toFixed(digits), pick(c.adaptive).toFixed(digits), ratio === null ? '–' : ratio.toFixed(2)];
    const worstRatio = c.adaptive.worstLatencySeconds / c.fixed.worstLatencySeconds;
    print(
      table(
        ['', '(a) fixed 30 s', '(b) adaptive', '(b)/(a)'],
        [
          row('state transitions', (r) => r.stateTransitions, c.ratio.stateTransitions),
          row('transitions per job-hour', (r) => r.transitionsPerJobHour, c.ratio.stateTransitions),
          row('Lambda invocations', (r) => r.lambdaInvocations, c.ratio.lambdaInvocations),
          row('status checks', (r) => r.checks, c.adaptive.checks / c.fixed.checks),
          row('detection latency, measured (s)', (r) => r.latencySeconds, c.ratio.latency),
          row('detection latency, worst case (s)', (r) => r.worstLatencySeconds, worstRatio),
        ],
      ),
    );
    const transitions = `${(c.ratio.stateTransitions * 100).toFixed(0)} % of (a)`;
    print(
      `\n(b) transitions per job-hour ≤ 25 % of (a): ${mark(c.targets.transitions)} ${transitions}; ` +
        `latency ≤ ${c.targets.latencyAllowanceSeconds} s (10 % of ${c.durationSeconds} s, at most the max interval): ${mark(c.targets.latency)} ` +
        `${c.adaptive.latencySeconds} s measured` +
        (c.estimates ? '' : `, ${c.adaptive.worstLatencySeconds} s worst case`) +
        (c.fixed.clockConsistent && c.adaptive.clockConsistent ? '' : '  [!] checks off the schedule: virtual clock inconsistent'),
    );
  }
  for (const api of Object.keys(APIS) as Array<keyof typeof APIS>) {
    const rows = comparisons.filter((c) => c.api === api);
    results.targets.push({
      target: `(b) transitions per job-hour ≤ 25 % of fixed 30 s polling: ${APIS[api].label}`,
      met: rows.every((c) => c.targets.transitions),
      detail: rows.map((c) => `${c.duration}: ${(c.ratio.stateTransitions * 100).toFixed(0)} %`).join(', '),
    });
    results.targets.push({
      target: `(b) detection latency ≤ 10 % of the job run time (capped by the max interval), ${rows[0]?.estimates ? 'measured' : 'worst case'}: ${APIS[api].label}`,
      met: rows.every((c) => c.targets.latency),
      detail: rows.map((c) => `${c.duration}: ${c.estimates ? c.adaptive.latencySeconds : c.adaptive.worstLatencySeconds} s ≤ ${c.targets.latencyAllowanceSeconds} s`).join(', '),
    });
  }
}

function printLearned(bench: LearnedBench): void {
  print('\n## Learned polling: recurring Tamr Mastering refreshes, ±20 % around each length (simulated seconds)\n');
  print('(a) fixed 30 s, (b) adaptive (today, no history), (c) learned after 10 runs, (d) oracle: one check at the exact end.');
  print('(a), (b): medians of 10 measured runs ((a): the first 3); (c): medians of 50, 10 after each of 5 histories taught from scratch.');
  print('Worst = the largest latency seen. Oracle transitions: (b) less its extra checks.');
  const rows = bench.learnedPolling.map((row, i) => {
    const d = bench.learnedPollingDetail[i];
    return [
      human(row.durationSeconds),
      `${row.checks.fixed30} / ${row.checks.adaptive} / ${row.checks.learned} / ${row.checks.oracle}`,
      `${d.stateTransitions.fixed30} / ${d.stateTransitions.adaptive} / ${d.stateTransitions.learned} / ${d.stateTransitions.oracle}`,
      `${d.lambdaInvocations.fixed30} / ${d.lambdaInvocations.adaptive} / ${d.lambdaInvocations.learned} / ${d.lambdaInvocations.oracle}`,
      `${row.latencySeconds.fixed30} / ${row.latencySeconds.adaptive} / ${row.latencySeconds.learned} / 0`,
      `${d.worstLatencySeconds.fixed30} / ${d.worstLatencySeconds.adaptive} / ${d.worstLatencySeconds.learned}`,
      `${row.latencyPct.learned} %`,
    ];
  });
  print(table(['job', 'checks (a/b/c/d)', 'state transitions', 'Lambda invocations', 'latency median s', 'latency worst s (a/b/c)', '(c) latency'], rows));
  print('\n(c) after each history alone (median checks, median latency), and its mean latency over all 50 runs:\n');
  print(
    table(
      ['job', ...bench.learnedPollingDetail[0].perHistory.map((_h, i) => `history ${i + 1}`), 'mean latency'],
      bench.learnedPollingDetail.map((d) => [human(d.durationSeconds), ...d.perHistory.map((h) => `${h.checks} / ${h.latencyPct} %`), `${d.meanLatencyPct} %`]),
    ),
  );
  print('\nA job twice its usual length (learned, history of the row), and the first run (no history) against adaptive on the same length:\n');
  print(
    table(
      ['job', '2× length', 'checks', 'latency s', 'bound s', 'adaptive latency s', 'first run checks (c) / (b)', 'first run latency s (c) / (b)'],
      bench.learnedPollingDetail.map((d) => [
        human(d.durationSeconds),
        human(d.twiceAsLong.seconds),
        String(d.twiceAsLong.checks),
        String(d.twiceAsLong.latencySeconds),
        String(d.twiceAsLong.boundSeconds),
        String(d.twiceAsLong.adaptiveLatencySeconds),
        `${d.firstRun.checks} / ${d.firstRun.adaptiveChecks}`,
        `${d.firstRun.latencySeconds} / ${d.firstRun.adaptiveLatencySeconds}`,
      ]),
    ),
  );
  const m = bench.makespanDetail;
  print('\n## Makespan: the seed Tamr Cloud pipeline (7 loads under the 5-job limit, then data product, workflow, publish)\n');
  print(`The median of ${m.nightlyRatios.length} measured nights after 10 of history (every night's ratio: ${m.nightlyRatios.join(', ')}):\n`);
  print(table(['job', 'length s', 'seen after s', 'checks'], m.jobs.map((j) => [j.job, String(j.seconds), String(j.seenAfterSeconds), String(j.checks)])));
  print(
    `\nIdeal ${m.idealSeconds} s; Continuum (learned, after 10 nights) ${m.continuumSeconds} s = ${m.continuumRatio} × ideal; ` +
      `seed notebook (serial, 30 s polling) ${m.notebookSeconds} s = ${m.notebookRatio} × ideal.`,
  );
  const rowsMet = bench.learnedPolling.every((r) => r.checks.learned <= 6 && r.latencyPct.learned <= 3);
  results.targets.push({
    target: 'learned, after 10 runs: median ≤ 6 status checks and latency ≤ 3 % of the job, 1 min to 8 h',
    met: rowsMet,
    detail: bench.learnedPolling.map((r) => `${human(r.durationSeconds)}: ${r.checks.learned} checks, ${r.latencyPct.learned} %`).join(', '),
  });
  results.targets.push({
    target: 'learned, first run (no history): no worse than adaptive',
    met: bench.learnedPollingDetail.every((d) => d.firstRun.checks <= d.firstRun.adaptiveChecks && d.firstRun.latencySeconds <= d.firstRun.adaptiveLatencySeconds),
    detail: bench.learnedPollingDetail.map((d) => `${human(d.durationSeconds)}: ${d.firstRun.checks}/${d.firstRun.adaptiveChecks} checks`).join(', '),
  });
  results.targets.push({
    target: 'learned, a job twice its usual length: latency within 10 % of its age, capped by the max interval',
    met: bench.learnedPollingDetail.every((d) => d.twiceAsLong.withinBound),
    detail: bench.learnedPollingDetail.map((d) => `${human(d.twiceAsLong.seconds)}: ${d.twiceAsLong.latencySeconds} s ≤ ${d.twiceAsLong.boundSeconds} s`).join(', '),
  });
  results.targets.push({ target: 'makespan ≤ 1.03 × ideal', met: m.continuumRatio <= 1.03, detail: `${m.continuumRatio} × ideal, the median of ${m.nightlyRatios.length} nights (${m.nightlyRatios.join(', ')}; notebook ${m.notebookRatio} ×)` });
}

function human(seconds: number): string {
  return seconds < 3600 ? `${seconds / 60} min` : `${seconds / 3600} h`;
}

function printBundles({ bundles, baseline, commonJsVariant }: BundlesBench): void {
  print('\n## Lambda bundles (esbuild via NodejsFunction, minified ESM, AWS SDK v3 clients from the runtime)\n');
  print(
    table(
      ['handler', 'arch', 'bundle KB', 'init ms', '= SDK clients', '+ bundle code', 'init CPU ms', 'SDK imports'],
      bundles.map((b) => [
        b.handler,
        b.architecture,
        (b.bytes / 1024).toFixed(1),
        b.initMs.total.toFixed(1),
        b.initMs.sdk.toFixed(1),
        b.initMs.bundle.toFixed(1),
        `${b.initCpuMs.total.toFixed(0)} = ${b.initCpuMs.sdk.toFixed(0)} + ${b.initCpuMs.bundle.toFixed(0)}`,
        b.sdkImports.join(' ') || '–',
      ]),
    ),
  );
  print(`\nMedians of 10 fresh Node ${process.version} processes. An empty module imports in ${baseline.initMs.toFixed(1)} ms (${baseline.initCpuMs.toFixed(0)} ms CPU) on this machine now.`);
  if (commonJsVariant) {
    const v = commonJsVariant;
    print(
      `Not deployed, for comparison: ${v.handler} bundled as CommonJS (${(v.bytes / 1024).toFixed(1)} KB) requires the same SDK client natively: ` +
        `init ${v.initMs.total.toFixed(1)} ms = ${v.initMs.sdk.toFixed(1)} SDK + ${v.initMs.bundle.toFixed(1)} bundle (CPU ${v.initCpuMs.total.toFixed(0)} = ${v.initCpuMs.sdk.toFixed(0)} + ${v.initCpuMs.bundle.toFixed(0)}).`,
    );
  }
  const modular = bundles.every((b) => b.sdkImports.every((name) => name.startsWith('@aws-sdk/client-')));
  results.targets.push({
    target: `bundle ≤ ${BUNDLE_TARGETS.bytes / 1024} KB`,
    met: bundles.every((b) => b.bytes <= BUNDLE_TARGETS.bytes),
    detail: `largest ${(Math.max(...bundles.map((b) => b.bytes)) / 1024).toFixed(1)} KB`,
  });
  results.targets.push({
    target: `cold init ≤ ${BUNDLE_TARGETS.initMs} ms (fresh process, median of 10, SDK client load included)`,
    met: bundles.every((b) => b.initMs.total <= BUNDLE_TARGETS.initMs),
    detail: `slowest ${Math.max(...bundles.map((b) => b.initMs.total)).toFixed(1)} ms, of which the SDK clients ${Math.max(...bundles.map((b) => b.initMs.sdk)).toFixed(1)} ms`,
  });
  results.targets.push({
    target: `bundle code init ≤ ${BUNDLE_TARGETS.initMs} ms (after the runtime's SDK clients are loaded)`,
    met: bundles.every((b) => b.initMs.bundle <= BUNDLE_TARGETS.initMs),
    detail: `slowest ${Math.max(...bundles.map((b) => b.initMs.bundle)).toFixed(1)} ms`,
  });
  results.targets.push({ target: 'arm64, AWS SDK v3 modular clients only', met: modular && bundles.every((b) => b.architecture === 'arm64'), detail: [...new Set(bundles.flatMap((b) => b.sdkImports))].join(', ') });
}

function printSynth(synth: SynthResult[], warmupSeconds: number): void {
  print('\n## Synth scale (generated pipelines of six steps on one Tamr instance, no bundling)\n');
  print(
    table(
      ['pipelines', 'synth s', 'stacks', 'resources per stack', 'template KB per stack', 'template KB total', 'Lambda functions'],
      synth.map((s) => [
        String(s.pipelines),
        s.seconds.toFixed(1),
        String(s.stacks.length),
        s.stacks.map((st) => st.resources).join(' / '),
        s.stacks.map((st) => (st.templateBytes / 1024).toFixed(0)).join(' / '),
        (s.totalTemplateBytes / 1024).toFixed(0),
        `${s.functions} (${s.stacks.map((st) => st.functions).join(' / ')})`,
      ]),
    ),
  );
  print(`\nFirst synth in the process (aws-cdk-lib module loading + 1 pipeline): ${warmupSeconds.toFixed(1)} s, not counted above.`);
  const largest = synth.at(-1)!;
  results.targets.push({
    target: `${largest.pipelines} pipelines: every stack < 500 resources and < 1 MB`,
    met: largest.stacks.every((s) => s.resources < 500 && s.templateBytes < 1024 * 1024),
    detail: `${largest.stacks.length} stacks, max ${Math.max(...largest.stacks.map((s) => s.resources))} resources, max ${(Math.max(...largest.stacks.map((s) => s.templateBytes)) / 1024).toFixed(0)} KB`,
  });
  results.targets.push({
    target: 'functions shared: one per handler per stack, not per pipeline',
    met: synth.every((s) => s.stacks.every((st) => st.functions === synth[0].stacks[0].functions)),
    detail: synth.map((s) => `${s.pipelines} pipeline${s.pipelines === 1 ? '' : 's'} → ${s.functions} functions in ${s.stacks.length} stack${s.stacks.length === 1 ? '' : 's'}`).join(', '),
  });
}

function printTargets(targets: Array<{ target: string; met: boolean; detail: string }>): void {
  if (targets.length === 0) return;
  print('\n## Targets\n');
  print(table(['target', 'met', 'measured'], targets.map((t) => [t.target, mark(t.met), t.detail])));
}

function mark(met: boolean): string {
  return met ? 'yes' : 'NO';
}

/** A Markdown table with aligned columns (pasted as is into the README). */
function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
