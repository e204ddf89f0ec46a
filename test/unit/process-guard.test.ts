import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import { installProcessGuard, isClientStreamError } from '../../server/process-guard.js';

/** A logger that records what it was told. */
function recorder() {
  const lines: Array<[string, string]> = [];
  const at = (level: string) => (_obj: object, msg: string) => void lines.push([level, msg]);
  return { lines, logger: { error: at('error'), fatal: at('fatal'), warn: at('warn'), info: at('info') } as never };
}

describe('process guard (last resort)', () => {
  it('tells errors a client can cause apart from the rest', () => {
    expect(isClientStreamError(new Error('Unexpected end of form'))).to.equal(true);
    expect(isClientStreamError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).to.equal(true);
    expect(isClientStreamError(Object.assign(new Error('x'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }))).to.equal(true);
    expect(isClientStreamError(new TypeError("Cannot read properties of undefined (reading 'id')"))).to.equal(false);
    expect(isClientStreamError(undefined)).to.equal(false);
  });

  it('keeps serving after a client stream error or an unhandled rejection; stops for a supervisor on anything else', async () => {
    const events = new EventEmitter();
    const { lines, logger } = recorder();
    const exits: number[] = [];
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const remove = installProcessGuard(logger, () => server, (c) => exits.push(c), events);
    events.emit('uncaughtException', new Error('Unexpected end of form'));
    events.emit('unhandledRejection', new Error('nobody awaited me'));
    expect(exits).to.deep.equal([]);
    expect(server.listening).to.equal(true);
    expect(lines.map((l) => l[0])).to.deep.equal(['error', 'error']);
    events.emit('uncaughtException', new TypeError('a bug'));
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.at(-1)![0]).to.equal('fatal');
    expect(server.listening).to.equal(false);
    expect(exits).to.deep.equal([1]);
    remove();
    expect(events.listenerCount('uncaughtException')).to.equal(0);
  });
});
