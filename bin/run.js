#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// SFTP file reads and writes run on libuv's thread pool (4 threads by default), which is sized
// once, on first use: set it before anything can start it.
process.env.UV_THREADPOOL_SIZE ??= '16';
// V8's parallel and concurrent GC helpers cost more CPU than they save here: bulk transfers make
// garbage at a steady rate, and on a small machine the helper threads compete with the event loop
// and the client (measured: 1 GiB over SFTP takes 40% less server CPU; marking on the main thread
// too, another 6% down and 9% up, handshakes unchanged). SSHD_KIT_PARALLEL_GC=1 keeps V8's
// default. Set before the heap has grown, as the first thing the process does.
if (process.env.SSHD_KIT_PARALLEL_GC !== '1')
  setFlagsFromString(
    '--no-parallel-scavenge --no-parallel-compaction --no-parallel-pointer-update --no-concurrent-sweeping --no-concurrent-marking',
  );
// V8's young generation starts with 1 MiB semi-spaces and doubles them, up to 16 MiB, whenever
// many objects survive a scavenge, as they do in a burst of handshakes; nothing shrinks them once
// the server is idle again, so one burst left 32 MiB committed for good. At the start size SFTP
// and handshake CPU measured the same (bench/profile.ts), so the young generation stays there.
setFlagsFromString('--semi-space-growth-factor=1');
// V8's full collector, for the server's idle collection after a burst of connections
// (src/server/idle-collector.ts); flags only take effect in contexts created after this.
setFlagsFromString('--expose-gc');
// That idle collection replaces V8's memory reducer, which runs up to three full collections
// about 8 s after any that shrank the heap, whether or not a burst is over. With no connection
// alive, each of those throws away the optimized code of the whole data path (its call sites hold
// the last connection's callbacks weakly), and the next transfer pays about 25% more CPU to build
// it again. `--no-memory-reducer` only works from the command line, but the delay before the
// reducer's first collection is read at runtime: at 2^31 - 1 ms (24 days) it does not start
// (Node 20, checked with --trace-gc through bursts of 5,000 connections and idle pauses; a V8 that
// arms the reducer another way just runs it as before).
setFlagsFromString('--gc-memory-reducer-start-delay-ms=2147483647');
const { execute } = await import('@oclif/core');

await execute({ dir: import.meta.url });
