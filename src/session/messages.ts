import { defineStruct, t, type StructOf } from '../wire/index.js';

/** `pty-req` request data (RFC 4254 §6.2). */
export const PtyRequest = defineStruct('pty-req', {
  term: t.text,
  cols: t.u32,
  rows: t.u32,
  widthPx: t.u32,
  heightPx: t.u32,
  modes: t.bytes,
});
/** Decoded `pty-req` data. */
export type PtyRequest = StructOf<typeof PtyRequest>;

/** `x11-req` request data (RFC 4254 §6.3.1); always refused. */
export const X11Request = defineStruct('x11-req', {
  singleConnection: t.bool,
  authProtocol: t.text,
  authCookie: t.bytes,
  screenNumber: t.u32,
});

/** `env` request data (RFC 4254 §6.4). */
export const EnvRequest = defineStruct('env', { name: t.text, value: t.text });

/** `exec` request data (RFC 4254 §6.5). */
export const ExecRequest = defineStruct('exec', { command: t.text });

/** `subsystem` request data (RFC 4254 §6.5). */
export const SubsystemRequest = defineStruct('subsystem', { name: t.text });

/** `window-change` request data (RFC 4254 §6.7). */
export const WindowChangeRequest = defineStruct('window-change', {
  cols: t.u32,
  rows: t.u32,
  widthPx: t.u32,
  heightPx: t.u32,
});

/** `signal` request data (RFC 4254 §6.9), the name without `SIG`. */
export const SignalRequest = defineStruct('signal', { name: t.text });

/** `break` request data (RFC 4335 §3), the break length in milliseconds. */
export const BreakRequest = defineStruct('break', { breakLength: t.u32 });
