/**
 * The command declarations (bin/commands): help, parsing, whole-number checks and "did you mean"
 * are derived from one declaration per command. In-process, milliseconds.
 */
import { describe, expect, it } from 'vitest';
import { commandHelp, defineCommand, mainHelp, parseCommandLine, parseOptions, UsageError } from '../bin/commands/declare';
import { COMMANDS } from '../bin/commands/index';
import { parseJsonObject } from '../bin/commands/shared';
import { closest } from '../lib/text/suggest';

const sample = defineCommand({
  name: 'sample',
  summary: 'A command for this test',
  options: {
    config: { type: 'string', value: 'FILE', help: 'pipelines file', default: 'pipelines.yaml' },
    pipeline: { type: 'string', value: 'NAME', help: 'pipeline', required: true },
    secrets: { type: 'string', value: 'FILE', help: 'secrets file' },
    'wait-ms': { type: 'integer', value: 'N', help: 'pause', default: 300 },
    port: { type: 'integer', value: 'N', help: 'port', max: 65535 },
    events: { type: 'boolean', help: 'one line per event' },
    output: { type: 'choice', choices: ['json'], value: 'json', help: 'JSON at the end' },
  },
  run: async () => 0,
});

const usage = (args: string[]) => {
  try {
    parseOptions(sample, args);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`no usage error for ${args.join(' ')}`);
};

describe('command declarations', () => {
  it('parse typed values with their defaults', () => {
    const values = parseOptions(sample, ['--pipeline', 'p1', '--wait-ms=20', '--events', '--output', 'json']);
    expect(values).toEqual({ config: 'pipelines.yaml', pipeline: 'p1', secrets: undefined, 'wait-ms': 20, port: undefined, events: true, output: 'json' });
    expect(parseOptions(sample, ['--pipeline', 'p1'])['wait-ms']).toBe(300);
  });

  it('reject what the declaration does not allow, naming the option', () => {
    expect(usage([])).toMatch(/^--pipeline is required\n\ncontinuum sample /);
    expect(usage(['--pipeline', 'p', '--wait-ms', '2.5'])).toBe("--wait-ms takes a whole number, got '2.5'");
    expect(usage(['--pipeline', 'p', '--wait-ms', '-1'])).toBe("--wait-ms takes a whole number, got '-1'");
    expect(usage(['--pipeline', 'p', '--port', '70000'])).toBe('--port takes 0 to 65535, got 70000');
    expect(usage(['--pipeline', 'p', '--output', 'jsno'])).toBe("--output takes 'json', got 'jsno' (did you mean 'json'?)");
    expect(usage(['--pipeline'])).toBe('--pipeline needs a value NAME');
    expect(usage(['--pipeline', 'p', '--events=yes'])).toBe('--events takes no value');
    expect(usage(['--pipeline', 'p', 'extra'])).toMatch(/^unexpected argument 'extra'/);
    expect(usage(['--secret', 's.json'])).toBe("Unknown option '--secret' for `continuum sample` (did you mean '--secrets'?); see `continuum sample --help`");
    expect(usage(['--bogus'])).toBe("Unknown option '--bogus' for `continuum sample`; see `continuum sample --help`");
  });

  it('take one positional argument where the command declares one (rerun EXECUTION_ARN), anywhere among the options', () => {
    const withArgument = defineCommand({ name: 'again', summary: 'test', argument: { value: 'ARN', help: 'the run', required: true }, options: { follow: { type: 'boolean', help: 'follow' } }, run: async () => 0 });
    expect(parseCommandLine(withArgument, ['--follow', 'arn:x'])).toEqual({ values: { follow: true }, argument: 'arn:x' });
    expect(parseCommandLine(withArgument, ['arn:x'])).toEqual({ values: { follow: false }, argument: 'arn:x' });
    expect(() => parseCommandLine(withArgument, ['--follow'])).toThrow(/^ARN is required\n\ncontinuum again ARN \[--follow\]/);
    expect(() => parseCommandLine(withArgument, ['a', 'b'])).toThrow("unexpected argument 'b': `continuum again` takes one ARN and options (see --help)");
    expect(commandHelp(withArgument)).toContain('\n  ARN       the run\n');
    expect(parseCommandLine(sample, ['--pipeline', 'p']).argument).toBeUndefined();
  });

  it('derive the help from the declaration: usage line, every option, defaults', () => {
    const help = commandHelp(sample);
    expect(help).toMatch(/^continuum sample \[--config FILE\] --pipeline NAME \[--secrets FILE\] \[--wait-ms N\]/);
    expect(help).toContain('  --config FILE    pipelines file (default pipelines.yaml)\n');
    expect(help).toContain('  --wait-ms N      pause (default 300)\n');
    expect(help).toContain('  --events         one line per event\n');
  });

  it('list every registered command once, each help naming each of its options', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['demo', 'run', 'history', 'validate', 'synth', 'graph', 'simulate']));
    const main = mainHelp(COMMANDS);
    for (const command of COMMANDS) {
      expect(main).toMatch(new RegExp(`^  ${command.name}\\s+${command.summary.replace(/[.*+?^${}()|[\]\\`]/g, '\\$&')}$`, 'm'));
      const help = commandHelp(command);
      for (const option of Object.keys(command.options)) expect(help, `${command.name} --${option}`).toMatch(new RegExp(`^  --${option}\\b`, 'm'));
    }
  });

  it('suggest the name a typo stands for, and nothing for an unrelated word', () => {
    expect(closest('rnu', ['run', 'demo'])).toBe('run');
    expect(closest('--secret', ['--secrets', '--config'])).toBe('--secrets');
    expect(closest('schedul', ['schedule', 'steps'])).toBe('schedule');
    expect(closest('dataProductID', ['dataProductId'])).toBe('dataProductId');
    expect(closest('frobnicate', ['run', 'graph', 'validate'])).toBeUndefined();
  });

  it('say where --secrets and --input stop being JSON (line and column)', () => {
    const message = (text: string) => {
      try {
        parseJsonObject(text, '--secrets s.json');
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(message('{\n  "continuum/tamr": {\n    "username" "admin"\n  }\n}')).toMatch(/^--secrets s\.json: not valid JSON at line 3, column 16: \S/);
    expect(message('{"a": 1')).toMatch(/^--secrets s\.json: not valid JSON at line 1, column 8: /);
    expect(message('[1, 2]')).toBe('--secrets s.json: must be a JSON object, got a list');
    expect(parseJsonObject('{"mlConfigurationChanged": true}', '--input')).toEqual({ mlConfigurationChanged: true });
  });
});
