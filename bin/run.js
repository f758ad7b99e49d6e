#!/usr/bin/env node
// SFTP file reads and writes run on libuv's thread pool (4 threads by default), which is sized
// once, on first use: set it before anything can start it.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { execute } = await import('@oclif/core');

await execute({ dir: import.meta.url });
