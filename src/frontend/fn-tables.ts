// Function-pointer tables: `static const struct hvm_mmio_ops vgic_ops = { .read = vgic_read, ... }`
// binds `hvm_mmio_ops.read` to `vgic_read`, so an indirect call `ops->read(...)` on an object of
// that type may run it. Designators are read from the initializer's text at the depth of the
// table's own members (one brace deep, two for an array of tables); nested member structs are
// skipped rather than guessed.

/** [struct type as written, member, function name] */
export type FnBinding = [string, string, string];

const DESIGNATOR = /\.\s*([A-Za-z_]\w*)\s*=\s*&?\s*([A-Za-z_]\w*)\s*(?=[,}\n])/y;

/** Bindings in one initializer (`{ ... }` text) of a variable of struct type `type`. */
export function designatedFunctions(type: string, init: string, isArray: boolean): FnBinding[] {
  const out: FnBinding[] = [];
  const want = isArray ? 2 : 1;
  let depth = 0;
  for (let i = 0; i < init.length; i++) {
    const ch = init.charCodeAt(i);
    if (ch === 123 /* { */) depth++;
    else if (ch === 125 /* } */) depth--;
    else if (ch === 34 /* " */ || ch === 39 /* ' */) {
      // skip a string or char literal
      for (i++; i < init.length && init.charCodeAt(i) !== ch; i++) if (init.charCodeAt(i) === 92) i++;
    } else if (ch === 46 /* . */ && depth === want) {
      DESIGNATOR.lastIndex = i;
      const m = DESIGNATOR.exec(init);
      if (m && !/^(NULL|true|false)$/.test(m[2]!) && !/^[A-Z0-9_]+$/.test(m[2]!)) {
        out.push([type, m[1]!, m[2]!]);
        i = DESIGNATOR.lastIndex - 1;
      }
    }
  }
  return out;
}
