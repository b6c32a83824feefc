/**
 * A command is declared once — summary, options with their defaults and help, what it does — and
 * its help text, argument parsing, whole-number checks and "did you mean" hints are derived
 * from that declaration, so they cannot drift apart.
 */
import { didYouMean } from '../../lib/text/suggest';

/** A mistake the user can fix by changing the command line (exit 2, no stack trace). */
export class UsageError extends Error {
  readonly name = 'UsageError';
}

interface OptionBase {
  /** One line of help. The default, if any, is appended as `(default …)`. */
  readonly help: string;
  /** More help lines, indented under the first. */
  readonly more?: readonly string[];
}
export interface StringOption extends OptionBase {
  readonly type: 'string';
  /** Placeholder in the help, e.g. `FILE`. */
  readonly value: string;
  readonly default?: string;
  readonly required?: boolean;
  /** May be given several times: the value is the list of them (empty when none). */
  readonly multiple?: boolean;
}
export interface IntegerOption extends OptionBase {
  readonly type: 'integer';
  readonly value: string;
  readonly default?: number;
  /** @default 0 */
  readonly min?: number;
  readonly max?: number;
  /** Word after the range in messages, e.g. `pixels`. */
  readonly unit?: string;
}
export interface BooleanOption extends OptionBase {
  readonly type: 'boolean';
}
/** One of a fixed set of words, e.g. `--output json`. */
export interface ChoiceOption extends OptionBase {
  readonly type: 'choice';
  readonly choices: readonly string[];
  readonly value?: string;
  readonly default?: string;
}
export type OptionSpec = StringOption | IntegerOption | BooleanOption | ChoiceOption;
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The parsed value of one option: defaulted and required options are never undefined. */
export type OptionValue<O> = O extends BooleanOption
  ? boolean
  : O extends { multiple: true }
    ? string[]
  : O extends IntegerOption
    ? O extends { default: number } ? number : number | undefined
    : O extends { default: string } | { required: true } ? string : string | undefined;
export type Values<O extends OptionSpecs> = { -readonly [K in keyof O]: OptionValue<O[K]> };

export interface Command<O extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Paragraph(s) between the usage line and the options. */
  readonly description?: string;
  readonly options: O;
  /** One positional argument before or among the options (`continuum rerun EXECUTION_ARN`). @default none: options only */
  readonly argument?: { readonly value: string; readonly help: string; readonly required?: boolean };
  /** Paragraph(s) after the options. */
  readonly notes?: string;
  /** Exit code: 0 ok (or skipped), 1 the execution failed, 2 bad usage or config. */
  run(values: Values<O>, argument?: string): Promise<number>;
}

/** Keeps the option types of a declaration (`const` infers defaults as literals). */
export function defineCommand<const O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}

function placeholder(spec: OptionSpec): string {
  if (spec.type === 'boolean') return '';
  if (spec.type === 'choice') return ` ${spec.value ?? spec.choices.join('|')}`;
  return ` ${spec.value}`;
}

/** `continuum run --pipeline NAME [--config FILE] …`, wrapped under the command name. */
export function usageLine(command: Command): string {
  const head = `continuum ${command.name}${command.argument ? (command.argument.required ? ` ${command.argument.value}` : ` [${command.argument.value}]`) : ''}`;
  const parts = Object.entries(command.options).map(([name, spec]) => {
    const text = `--${name}${placeholder(spec)}${spec.type === 'string' && spec.multiple ? ' …' : ''}`;
    return spec.type === 'string' && spec.required ? text : `[${text}]`;
  });
  const lines: string[] = [];
  let line = head;
  for (const part of parts) {
    if (line.length + part.length + 1 > 96 && line !== head) {
      lines.push(line);
      line = ' '.repeat(head.length);
    }
    line += ` ${part}`;
  }
  lines.push(line);
  return lines.join('\n');
}

export function commandHelp(command: Command): string {
  const entries: Array<{ flag: string; spec: Pick<OptionSpec, 'help' | 'more'> & { default?: unknown } }> = Object.entries(command.options).map(([name, spec]) => ({ flag: `--${name}${placeholder(spec)}`, spec }));
  if (command.argument) entries.unshift({ flag: command.argument.value, spec: { help: command.argument.help } });
  const width = Math.max(...entries.map((e) => e.flag.length)) + 2;
  const optionLines = entries.flatMap(({ flag, spec }) => {
    const fallback = 'default' in spec && spec.default !== undefined ? ` (default ${String(spec.default)})` : '';
    return [`  ${flag.padEnd(width)}${spec.help}${fallback}`, ...(spec.more ?? []).map((line) => `  ${' '.repeat(width)}${line}`)];
  });
  return [usageLine(command), command.description, optionLines.join('\n'), command.notes].filter(Boolean).join('\n\n');
}

export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 3;
  return [
    'continuum <command> [options]',
    `Commands:\n${commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}`,
    "Run `continuum <command> --help` for a command's options.\nExit codes: 0 ok (or the run was skipped), 1 the execution failed, 2 bad usage or config.",
  ].join('\n\n');
}

/** `--name value`, `--name=value` and `--flag`, checked against the declaration. */
export function parseOptions<O extends OptionSpecs>(command: Command<O>, args: readonly string[]): Values<O> {
  return parseCommandLine(command, args).values;
}

/** The options and, for a command that declares one, its positional argument. */
export function parseCommandLine<O extends OptionSpecs>(command: Command<O>, args: readonly string[]): { values: Values<O>; argument?: string } {
  const specs: OptionSpecs = command.options;
  const raw = new Map<string, string | true | string[]>();
  let argument: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--') || arg === '--') {
      if (command.argument && argument === undefined && arg !== '--') {
        argument = arg;
        continue;
      }
      const takes = command.argument ? `takes one ${command.argument.value} and options` : 'takes only options';
      throw new UsageError(`unexpected argument '${arg}': \`continuum ${command.name}\` ${takes} (see --help)`);
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) {
      const hint = didYouMean(`--${name}`, Object.keys(specs).map((n) => `--${n}`));
      throw new UsageError(`Unknown option '--${name}' for \`continuum ${command.name}\`${hint}; see \`continuum ${command.name} --help\``);
    }
    if (spec.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      raw.set(name, true);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value${placeholder(spec)}`);
    if (spec.type === 'string' && spec.multiple) raw.set(name, [...((raw.get(name) as string[] | undefined) ?? []), value]);
    else raw.set(name, value);
  }
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) values[name] = optionValue(name, spec, raw.get(name), command);
  if (command.argument?.required && argument === undefined) throw new UsageError(`${command.argument.value} is required\n\n${commandHelp(command)}`);
  return { values: values as Values<O>, ...(argument !== undefined ? { argument } : {}) };
}

function optionValue(name: string, spec: OptionSpec, given: string | true | string[] | undefined, command: Command): unknown {
  const flag = `--${name}`;
  switch (spec.type) {
    case 'boolean':
      return given === true;
    case 'string':
      if (spec.multiple) return given ?? [];
      if (given === undefined && spec.required) throw new UsageError(`${flag} is required\n\n${commandHelp(command)}`);
      return given ?? spec.default;
    case 'choice': {
      if (given === undefined) return spec.default;
      const text = String(given);
      if (!spec.choices.includes(text)) throw new UsageError(`${flag} takes ${spec.choices.map((c) => `'${c}'`).join(' or ')}, got '${text}'${didYouMean(text, spec.choices)}`);
      return text;
    }
    case 'integer': {
      if (given === undefined) return spec.default;
      const text = String(given);
      const n = Number(text);
      if (text.trim() === '' || !Number.isInteger(n) || n < 0) throw new UsageError(`${flag} takes a whole number, got '${text}'`);
      if (n < (spec.min ?? 0) || (spec.max !== undefined && n > spec.max)) {
        throw new UsageError(`${flag} takes ${spec.max === undefined ? `at least ${spec.min}` : `${spec.min ?? 0} to ${spec.max}`}${spec.unit ? ` ${spec.unit}` : ''}, got ${n}`);
      }
      return n;
    }
  }
}
