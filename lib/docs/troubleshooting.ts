/** The README's Troubleshooting table, from the error registry (lib/contract/errors.ts). */
import { troubleshootingRows } from '../contract/errors';

const names = (list: readonly string[]): string => {
  const quoted = list.map((name) => `\`${name}\``);
  return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
};

export function troubleshootingMarkdown(): string {
  const rows = troubleshootingRows().map(({ names: list, entry }) => `| ${names(list)} | ${entry.meaning} | ${entry.whatToDo} |`);
  return ['| error | what it means | what to do |', '|---|---|---|', ...rows].join('\n');
}
