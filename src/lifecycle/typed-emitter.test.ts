import { describe, expect, test } from 'vitest';
import { TypedEmitter } from './typed-emitter.js';

interface Events {
  value: (n: number, label: string) => void;
  error: (message: string) => void;
}

class Source extends TypedEmitter<Events> {
  fire<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    this.emit(event, ...args);
  }
}

describe('TypedEmitter', () => {
  test('delivers arguments to every listener in order, and off removes one', () => {
    const s = new Source();
    const seen: string[] = [];
    const a = (n: number, l: string): void => void seen.push(`a${n}${l}`);
    const b = (n: number, l: string): void => void seen.push(`b${n}${l}`);
    s.on('value', a).on('value', b);
    s.fire('value', 1, 'x');
    s.off('value', a);
    s.fire('value', 2, 'y');
    expect(seen).toEqual(['a1x', 'b1x', 'b2y']);
    expect(s.listenerCount('value')).toBe(1);
  });

  test('an error event without listeners is just data, not a throw', () => {
    expect(() => new Source().fire('error', 'boom')).not.toThrow();
  });

  test('a listener removed during emit does not break the loop', () => {
    const s = new Source();
    const seen: number[] = [];
    const first = (): void => {
      seen.push(1);
      s.off('value', first);
    };
    s.on('value', first).on('value', () => void seen.push(2));
    s.fire('value', 0, '');
    s.fire('value', 0, '');
    expect(seen).toEqual([1, 2, 2]);
  });

  test('a listener that throws is reported to the component, never thrown into it, and the others still run', () => {
    const failures: string[] = [];
    class Reporting extends TypedEmitter<Events> {
      constructor() {
        super((event, err) => failures.push(`${event}: ${(err as Error).message}`));
      }
      fire(n: number): void {
        this.emit('value', n, '');
      }
    }
    const s = new Reporting();
    const seen: number[] = [];
    s.on('value', () => {
      throw new Error('bad handler');
    }).on('value', (n) => void seen.push(n));
    expect(() => s.fire(7)).not.toThrow();
    expect(seen).toEqual([7]);
    expect(failures).toEqual(['value: bad handler']);
  });
});
