/**
 * The execution input of a local run (`run --input`, `run --from-step`, a local rerun), checked
 * against the pipeline's input schema (lib/operate/input.ts) before anything is synthesized: a
 * misspelled field would otherwise be ignored silently (the recipe step skipped, the run
 * SUCCEEDED), and an unknown step would only fail once the run has started.
 */
import type { LoadedConfig } from '../../lib/config/load';
import { UsageError } from './declare';

/** `input` with `fromStep` when given; a UsageError (exit 2) naming the problems otherwise. */
export async function checkedRunInput(config: LoadedConfig, pipelineName: string, input: Record<string, unknown>, fromStep?: string): Promise<Record<string, unknown>> {
  const pipeline = config.pipelines.find((p) => p.name === pipelineName);
  if (!pipeline) return input; // checkPipelineName reports it
  const { jobsOf } = await import('../../lib/providers');
  const { inputProblems } = await import('../../lib/operate/input');
  if (fromStep !== undefined) {
    const titles = jobsOf(pipeline).map((job) => job.title);
    if (!titles.includes(fromStep)) {
      const { closest } = await import('../../lib/text/suggest');
      const near = closest(fromStep, titles);
      throw new UsageError(
        `--from-step: pipeline '${pipelineName}' has no step '${fromStep}'${near ? `; did you mean '${near}'?` : ''} (its steps: ${titles.map((t) => `'${t}'`).join(', ')})`,
      );
    }
  }
  const checked = fromStep === undefined ? input : { ...input, fromStep };
  const problems = inputProblems(pipeline, checked);
  if (problems.length > 0) throw new UsageError(`--input: ${problems.join('; ')}\nNothing was run.`);
  return checked;
}
