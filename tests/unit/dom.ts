/** A DOM (linkedom) as the globals the page's code uses, for the tests of one file or describe block. */
import { parseHTML } from 'linkedom';
import { afterAll, beforeAll } from 'vitest';

export function withDocument(): void {
  let restore: () => void;
  beforeAll(() => {
    const { document, Event } = parseHTML('<!doctype html><html><body></body></html>');
    const g = globalThis as Record<string, unknown>;
    const saved = { document: g.document, Event: g.Event };
    Object.assign(g, { document, Event });
    restore = () => Object.assign(g, saved);
  });
  afterAll(() => restore());
}
