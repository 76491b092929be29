import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consumeWatchStream, type WatchEvent } from '../../../pkg/runtime/watch-stream.ts';

/** A stream that delivers `chunks` as they are (strings as UTF-8), one read each. */
function streamOf(chunks: readonly (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

/** The UTF-8 bytes of `text` cut every `size` bytes, so multi-byte characters are split across chunks. */
const byteChunks = (text: string, size: number): Uint8Array[] => {
  const bytes = new TextEncoder().encode(text);
  return Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.slice(i * size, (i + 1) * size));
};

const line = (name: string): string => `${JSON.stringify({ type: 'ADDED', object: { metadata: { name } } })}\n`;
const names = (events: readonly WatchEvent[]): string[] => events.map((e) => (e.object as { metadata: { name: string } }).metadata.name);

test('watch lines are emitted whole however the chunks cut them', async (t) => {
  const a = line('a');
  const b = line('b');
  const big = line('x'.repeat(100_000));
  const multiByte = `é😀${'ü'.repeat(50)}`;
  const cases: { name: string; chunks: (string | Uint8Array)[]; want: string[] }[] = [
    { name: 'one line per chunk', chunks: [a, b], want: ['a', 'b'] },
    { name: 'two lines in one chunk', chunks: [a + b], want: ['a', 'b'] },
    { name: 'a line cut in three', chunks: [a.slice(0, 5), a.slice(5, 12), a.slice(12) + b], want: ['a', 'b'] },
    { name: 'a cut right after the newline', chunks: [a, b.slice(0, 3), b.slice(3)], want: ['a', 'b'] },
    { name: 'a long line in many chunks', chunks: big.match(/[\s\S]{1,997}/g) ?? [], want: ['x'.repeat(100_000)] },
    { name: 'blank lines are skipped', chunks: ['\n', a, '\n\n'], want: ['a'] },
    { name: 'an unfinished last line is not emitted', chunks: [a, b.slice(0, -2)], want: ['a'] },
    { name: 'multi-byte characters cut between chunks', chunks: byteChunks(a + line(multiByte) + b, 3), want: ['a', multiByte, 'b'] },
    { name: 'a line ending with CRLF', chunks: [a.replace('\n', '\r\n'), b], want: ['a', 'b'] },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const events: WatchEvent[] = [];
      await consumeWatchStream(streamOf(c.chunks), { onEvent: (e) => events.push(e), watchdogMs: 5_000 });
      assert.deepEqual(names(events), c.want);
    });
  }
});
