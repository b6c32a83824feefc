// The AWS SDK warns on Node 20 about its future Node 22 requirement; deployed Lambdas run Node 24.
// Imported first by the CLI and the bench, so the warning does not interleave with their output.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type === 'NodeVersionSupportWarning' || String(warning).startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};
