// The npm registry reachable here lacks some other-platform optional binaries (e.g. rollup for
// darwin/win32), so `npm install` leaves them out of package-lock.json and `npm ci` then refuses the
// lock. This adds their entries (version, os, cpu; optional) so `npm ci` skips them as on any
// other platform. Run after `npm install`: node scripts/lockfile-optional-stubs.mjs package-lock.json
import { readFileSync, writeFileSync } from 'node:fs';
const file = process.argv[2];
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pk = lock.packages;
let added = 0;
const PLAT = { android: 'android', darwin: 'darwin', freebsd: 'freebsd', linux: 'linux', openbsd: 'openbsd', openharmony: 'openharmony', win32: 'win32' };
for (const [path, meta] of Object.entries(pk)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (pk[key]) continue;
    const parts = name.split('/').pop().split('-');
    const os = parts.find((p) => PLAT[p]);
    const cpu = parts.find((p) => /^(x64|arm64|arm|ia32|loong64|ppc64|riscv64|s390x)$/.test(p));
    pk[key] = { version, ...(cpu ? { cpu: [cpu] } : {}), ...(meta.dev ? { dev: true } : {}), license: 'MIT', optional: true, ...(os ? { os: [os] } : {}) };
    added++;
  }
}
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log('added', added);
