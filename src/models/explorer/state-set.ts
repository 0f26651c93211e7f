// Open-addressing hash set of 64-bit state fingerprints (two 32-bit lanes) with one 32-bit
// payload per entry (the sleep set or the preemption count the state was reached with).
// Linear probing over a flat Int32Array; grows by doubling up to a byte budget.

export class StateSet {
  private keys: Int32Array;
  private mask: number;
  size = 0;
  /** Payload slot of the last probe. */
  slot = -1;
  /** Whether the last `add` found the key already present. */
  found = false;

  constructor(
    initialCapacity: number,
    readonly maxBytes: number,
  ) {
    let cap = 1024;
    while (cap < initialCapacity) cap *= 2;
    while (cap * 12 > maxBytes && cap > 1024) cap /= 2;
    this.keys = new Int32Array(cap * 3);
    this.mask = cap - 1;
  }

  get bytes(): number {
    return this.keys.byteLength;
  }

  /**
   * Find or insert (h1, h2). Sets `found` and `slot`; a new entry gets `payload`.
   * Returns false when the table is full and may not grow (memory limit).
   */
  add(h1: number, h2: number, payload: number): boolean {
    if (h1 === 0 && h2 === 0) h2 = 1;
    if ((this.size + 1) * 10 > (this.mask + 1) * 7 && !this.grow()) return false;
    const keys = this.keys;
    let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask;
    for (;;) {
      const o = i * 3;
      const a = keys[o]!;
      const b = keys[o + 1]!;
      if (a === 0 && b === 0) {
        keys[o] = h1;
        keys[o + 1] = h2;
        keys[o + 2] = payload;
        this.size++;
        this.found = false;
        this.slot = o + 2;
        return true;
      }
      if (a === h1 && b === h2) {
        this.found = true;
        this.slot = o + 2;
        return true;
      }
      i = (i + 1) & this.mask;
    }
  }

  get payload(): number {
    return this.keys[this.slot]!;
  }

  set payload(v: number) {
    this.keys[this.slot] = v;
  }

  private grow(): boolean {
    const cap = (this.mask + 1) * 2;
    if (cap * 12 > this.maxBytes) return false;
    const old = this.keys;
    this.keys = new Int32Array(cap * 3);
    this.mask = cap - 1;
    const keys = this.keys;
    for (let o = 0; o < old.length; o += 3) {
      const a = old[o]!;
      const b = old[o + 1]!;
      if (a === 0 && b === 0) continue;
      let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
      while (keys[i * 3] !== 0 || keys[i * 3 + 1] !== 0) i = (i + 1) & this.mask;
      keys[i * 3] = a;
      keys[i * 3 + 1] = b;
      keys[i * 3 + 2] = old[o + 2]!;
    }
    return true;
  }
}
