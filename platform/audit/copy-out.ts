/**
 * `COPY ... TO STDOUT` for pg clients, delivering the CopyData bytes to a callback as
 * ranges of the socket's own chunks: no object per row, no per-message buffer. It takes
 * over the connection's socket the way pg-copy-streams does (the CopyOut sub-protocol is
 * not parsed by pg itself): it unhooks pg's data listener for the duration of the copy,
 * and hands the rest of the stream back to pg at CopyDone or at an ErrorResponse, so pg
 * still handles CommandComplete, ReadyForQuery and errors.
 *
 * Ranges follow the byte stream, not rows: a range may hold many rows or part of one.
 */
import type pg from 'pg';

type Sink = (buf: Buffer, start: number, end: number) => void;

interface SocketConnection {
  stream: NodeJS.EventEmitter;
  query(text: string): void;
}

const COPY_DATA = 0x64; // d
const COPY_DONE = 0x63; // c
const COPY_OUT_RESPONSE = 0x48; // H
const NOTICE = 0x4e; // N
const PARAMETER_STATUS = 0x53; // S
const NOTIFICATION = 0x41; // A

export class CopyOut implements pg.Submittable {
  readonly done: Promise<void>;
  private resolve!: () => void;
  private reject!: (e: Error) => void;
  private settled = false;
  private connection?: SocketConnection;
  private pgListener?: (buf: Buffer) => void;
  /** Bytes left in the current message, and whether they are CopyData (else skipped). */
  private remaining = 0;
  private inData = false;
  /** A message header (code + length) split across chunks. */
  private readonly header = Buffer.alloc(5);
  private headerLen = 0;
  /** An exception thrown by the sink: reported once the copy has ended cleanly. */
  private sinkError: Error | undefined;

  constructor(
    private readonly text: string,
    private readonly sink: Sink,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A caller that never awaits `done` must not get an unhandled rejection.
    this.done.catch(() => {});
  }

  submit(connection: unknown): void {
    const con = connection as SocketConnection;
    const listeners = con.stream.listeners('data');
    if (listeners.length !== 1) throw new Error(`COPY: expected one data listener on the connection, found ${listeners.length}`);
    this.connection = con;
    this.pgListener = listeners[0] as (buf: Buffer) => void;
    con.stream.removeListener('data', this.pgListener);
    con.stream.on('data', this.onData);
    con.query(this.text);
  }

  private onData = (chunk: Buffer): void => {
    const n = chunk.length;
    let p = 0;
    while (p < n) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, n - p);
        if (this.inData && !this.sinkError) {
          try {
            this.sink(chunk, p, p + take);
          } catch (e) {
            this.sinkError = e as Error; // keep reading, so the connection stays usable
          }
        }
        this.remaining -= take;
        p += take;
        continue;
      }
      let code: number;
      let length: number;
      const start = p;
      if (this.headerLen > 0 || n - p < 5) {
        while (this.headerLen < 5 && p < n) this.header[this.headerLen++] = chunk[p++];
        if (this.headerLen < 5) return;
        this.headerLen = 0;
        code = this.header[0];
        length = this.header.readInt32BE(1) - 4;
        if (!this.isCopyMessage(code)) {
          // Hand pg the whole message, its header included.
          this.detach(Buffer.concat([this.header, chunk.subarray(p)]));
          return;
        }
      } else {
        code = chunk[p];
        length = chunk.readInt32BE(p + 1) - 4;
        if (!this.isCopyMessage(code)) {
          this.detach(chunk.subarray(start));
          return;
        }
        p += 5;
      }
      if (code === COPY_DONE) {
        p += length; // zero
        this.detach(chunk.subarray(p));
        return;
      }
      this.inData = code === COPY_DATA;
      this.remaining = length;
    }
  };

  /** Messages read here; any other (CommandComplete after CopyDone, ErrorResponse) goes to pg. */
  private isCopyMessage(code: number): boolean {
    return code === COPY_DATA || code === COPY_DONE || code === COPY_OUT_RESPONSE || code === NOTICE || code === PARAMETER_STATUS || code === NOTIFICATION;
  }

  private detach(rest: Buffer): void {
    const con = this.connection!;
    con.stream.removeListener('data', this.onData);
    con.stream.on('data', this.pgListener!);
    if (rest.length) this.pgListener!(rest);
  }

  handleCommandComplete(): void {}

  handleEmptyQuery(): void {}

  handleReadyForQuery(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.sinkError) this.reject(this.sinkError);
    else this.resolve();
  }

  handleError(err: Error): void {
    // A socket error while we hold the stream: give it back, so pg can clean up.
    if (this.connection && this.connection.stream.listeners('data').includes(this.onData)) {
      this.connection.stream.removeListener('data', this.onData);
      this.connection.stream.on('data', this.pgListener!);
    }
    if (this.settled) return;
    this.settled = true;
    this.reject(err);
  }
}
