// node:http and node:https, loaded with require(). On Node 24 an ES module import of node:http costs about 20 ms
// at cold start: the import reads every export, and three of them (WebSocket, CloseEvent, MessageEvent) are
// getters that load undici. require() leaves them unread (about 3 ms). Measured in BENCHMARKS.md.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const http: typeof import('node:http') = require('node:http');

let secure: typeof import('node:https') | undefined;
/**
 * node:https, loaded by the first thing that dials an https:// address: with node:tls it costs about 1.6 ms to
 * load, which a process that only speaks plain HTTP on loopback (the emulator, the tests) need not pay.
 */
export const https = (): typeof import('node:https') => (secure ??= require('node:https'));
