#!/usr/bin/env node
// Entry point of `npx continuum` / `npm start`: run the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on Node 20 about its future Node 22 requirement; deployed Lambdas run Node 24.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type === 'NodeVersionSupportWarning' || String(warning).startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};

register();
await import('./cli.ts');
