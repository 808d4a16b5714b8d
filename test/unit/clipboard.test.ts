/**
 * The clipboard envelope (web/src/clipboard.ts): what a page writes it
 * reads back; anything else (plain text, another app's JSON, elements the
 * board would refuse) is not taken for elements.
 */
import { describe, expect, it } from 'vitest';
import { CLIPBOARD_TYPE, envelopeOf, readEnvelope } from '../../web/src/clipboard.ts';
import type { ElementSpec } from '../../server/board/element-rules.ts';

const rect: ElementSpec = { id: 'r', type: 'rect', m: [1, 0, 0, 1, 10, 20], w: 100, h: 50, color: '#1e1e1e', sw: 2 };

describe('clipboard envelope', () => {
  it('reads back what it wrote, with the centre of what was copied', () => {
    expect(readEnvelope(envelopeOf([rect], [60, 45]))).toEqual({ elements: [rect], centre: [60, 45] });
  });

  it('is not plain text, nor anyone else’s JSON', () => {
    expect(readEnvelope('hello')).toBeNull();
    expect(readEnvelope('{"type":"excalidraw/clipboard","elements":[]}')).toBeNull();
    expect(readEnvelope('{ not json')).toBeNull();
  });

  it('keeps only elements the board would take, and finds a centre when none is given', () => {
    const text = JSON.stringify({ type: CLIPBOARD_TYPE, v: 1, elements: [rect, { id: 'x', type: 'rect', m: [0, 0, 0, 0, 0, 0], color: '#1e1e1e' }, 'junk'] });
    expect(readEnvelope(text)).toEqual({ elements: [rect], centre: [60, 45] });
  });
});
