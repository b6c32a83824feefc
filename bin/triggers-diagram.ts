/** `npx tsx bin/triggers-diagram.ts`: writes docs/triggers.png, the README's picture of a triggered pipeline. */
import { writeFileSync } from 'node:fs';
import { toPng, toSvg } from '../lib/diagram/graphviz';
import { triggersDot } from '../lib/diagram/triggers';

writeFileSync('docs/triggers.png', toPng(await toSvg(triggersDot())));
console.log('wrote docs/triggers.png');
