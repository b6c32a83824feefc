#!/usr/bin/env node
// Entry point of `npx continuum` / `npm start`: run the TypeScript CLI through tsx.
import './quiet-sdk-warning.mjs';
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
