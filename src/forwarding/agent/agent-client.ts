import type { Readable, Writable } from 'node:stream';
import { DecodeError } from '../../wire/index.js';
import {
  AgentMessageReader,
  AgentMsg,
  AgentSignRequest,
  AgentSignResponse,
  decodeIdentitiesAnswer,
  frameAgentMessage,
  type AgentIdentity,
} from './agent-protocol.js';

/** An agent refused a request, broke the protocol, went away, or did not answer in time. */
export class AgentError extends Error {
  override readonly name = 'AgentError';
}

/** How an {@link AgentClient} behaves. */
export interface AgentClientOptions {
  /** Milliseconds to wait for each answer; default 60 000 (an agent may ask its user to confirm). */
  readonly timeoutMs?: number;
  /** Called once when the client is closed or fails (e.g. to close the channel it runs over). */
  readonly onClose?: () => void;
}

interface Waiter {
  resolve(message: { type: number; body: Buffer }): void;
  reject(err: Error): void;
}

/**
 * A client of the SSH agent protocol (draft-miller-ssh-agent) over any pair of streams: a
 * forwarded agent's channel (`channel.input`/`channel.output`) or a unix socket (the same stream
 * twice). Requests are answered in order; one that is not answered in time fails the client, as
 * would a protocol error or the agent going away: every later request then rejects.
 */
export class AgentClient {
  private readonly reader = new AgentMessageReader();
  private readonly waiting: Waiter[] = [];
  private failure: Error | undefined;

  private readonly timeoutMs: number;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly options: AgentClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    input.on('data', (chunk: Buffer) => this.onData(chunk));
    input.on('end', () => this.fail(new AgentError('the agent closed the connection')));
    input.on('error', (err) => this.fail(new AgentError(`agent connection: ${err.message}`)));
    output.on('error', (err) => this.fail(new AgentError(`agent connection: ${err.message}`)));
  }

  /** The keys the agent holds (SSH_AGENTC_REQUEST_IDENTITIES, draft-miller-ssh-agent §4.4). */
  async list(): Promise<AgentIdentity[]> {
    const reply = await this.request(AgentMsg.RequestIdentities);
    if (reply.type !== AgentMsg.IdentitiesAnswer) throw this.unexpected(reply.type, 'list keys');
    try {
      return decodeIdentitiesAnswer(reply.body);
    } catch (err) {
      throw this.fail(new AgentError(`bad identities answer: ${(err as Error).message}`));
    }
  }

  /**
   * Signs `data` with the key whose public blob is `keyBlob` (SSH_AGENTC_SIGN_REQUEST,
   * draft-miller-ssh-agent §4.5); `flags` picks SHA-2 for RSA keys ({@link AgentSignFlags}).
   * Returns the signature blob (string algorithm, string signature; RFC 4253 §6.6).
   */
  async sign(keyBlob: Uint8Array, data: Uint8Array, flags = 0): Promise<Uint8Array> {
    const reply = await this.request(AgentMsg.SignRequest, AgentSignRequest.encode({ keyBlob, data, flags }));
    if (reply.type !== AgentMsg.SignResponse) throw this.unexpected(reply.type, 'sign');
    try {
      return AgentSignResponse.decode(reply.body).signature;
    } catch (err) {
      throw this.fail(new AgentError(`bad sign response: ${(err as Error).message}`));
    }
  }

  /** Ends the connection to the agent. */
  close(): void {
    this.fail(new AgentError('agent client closed'));
  }

  private request(type: number, body?: Uint8Array): Promise<{ type: number; body: Buffer }> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(new AgentError('the agent did not answer in time')),
        this.timeoutMs,
      );
      timer.unref();
      this.waiting.push({
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.output.write(frameAgentMessage(type, body));
    });
  }

  private onData(chunk: Buffer): void {
    let messages: { type: number; body: Buffer }[];
    try {
      messages = this.reader.push(chunk);
    } catch (err) {
      this.fail(new AgentError(`agent protocol: ${err instanceof DecodeError ? err.message : String(err)}`));
      return;
    }
    for (const m of messages) {
      const waiter = this.waiting.shift();
      if (!waiter) {
        this.fail(new AgentError('the agent sent a message nobody asked for'));
        return;
      }
      waiter.resolve(m);
    }
  }

  private unexpected(type: number, what: string): AgentError {
    return type === AgentMsg.Failure || type === AgentMsg.ExtensionFailure
      ? new AgentError(`the agent refused to ${what}`)
      : this.fail(new AgentError(`unexpected agent message ${type} to ${what}`));
  }

  private fail(err: AgentError): AgentError {
    if (this.failure) return err;
    this.failure = err;
    for (const w of this.waiting.splice(0)) w.reject(err);
    if (!this.input.destroyed) this.input.resume();
    if (!this.output.writableEnded && !this.output.destroyed) this.output.end();
    this.options.onClose?.();
    return err;
  }
}
