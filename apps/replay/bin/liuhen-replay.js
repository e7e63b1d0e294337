#!/usr/bin/env node
// The sources are TypeScript run through tsx; see docs/architecture.md.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
