// Whole-tree type environment and lock identity: lock class = struct type + field path
// from the last pointer dereference (`vcpu.arch.vgic.lock`), globals by name.
import { basename } from 'node:path';
import { parseTypeString, type CType } from '../frontend/ctypes.js';
import type { FileFacts } from '../frontend/file-facts.js';
import type { AccessPath } from '../ir/types.js';

export class TypeEnv {
  readonly structs = new Map<string, Record<string, string>>();
  readonly typedefs = new Map<string, string>();
  readonly globals = new Map<string, string>();
  readonly fnReturn = new Map<string, string>();
  /** Getter macros that name a member of their argument (`#define p2m_get_hostp2m(d) ((d)->arch.p2m)`): the member. */
  readonly macroMember = new Map<string, string>();
  /** Unions that lay a whole word over bitfields (decls.ts `overlay`), by type name. */
  readonly overlays = new Map<string, { raw: string; bits: string[]; file: string; line: number }>();

  add(f: FileFacts): void {
    for (const s of f.structs) {
      const prev = this.structs.get(s.name);
      if (!prev) this.structs.set(s.name, s.fields);
      else for (const [k, v] of Object.entries(s.fields)) if (!(k in prev)) prev[k] = v;
      if (s.overlay && !this.overlays.has(s.name)) this.overlays.set(s.name, { ...s.overlay, file: f.file });
    }
    for (const [a, t] of f.typedefs) if (!this.typedefs.has(a)) this.typedefs.set(a, t);
    for (const g of f.globals) if (!g.isStatic && !this.globals.has(g.name)) this.globals.set(g.name, g.type);
    for (const [n, t] of f.protos) if (!this.fnReturn.has(n)) this.fnReturn.set(n, t);
    for (const fn of f.functions) if (!fn.isStatic || !this.fnReturn.has(fn.name)) this.fnReturn.set(fn.name, fn.returnType);
    for (const m of f.macros) {
      if (m.params.length !== 1 || this.macroMember.has(m.name)) continue;
      const g = /^[\s(]*([A-Za-z_]\w*)[\s)]*((?:(?:->|\.)\s*[A-Za-z_]\w*\s*)+)[\s)]*$/.exec(m.body);
      if (!g || g[1] !== m.params[0]) continue;
      this.macroMember.set(m.name, g[2]!.split(/->|\./).at(-1)!.trim());
    }
  }

  /** Follows typedefs: `spinlock_t` stays (no struct), `vcpu_t*` -> `vcpu*`. */
  resolve(t: string | undefined): CType | undefined {
    if (!t || t.startsWith('?')) return undefined;
    let ct = parseTypeString(t);
    for (let i = 0; i < 8; i++) {
      if (this.structs.has(ct.name) && !this.typedefs.has(ct.name)) break;
      const next = this.typedefs.get(ct.name);
      if (!next) break;
      const n = parseTypeString(next);
      if (n.name === ct.name) break;
      ct = { name: n.name, ptr: n.ptr + ct.ptr };
    }
    return ct;
  }

  fieldType(struct: string, field: string): CType | undefined {
    const fields = this.structs.get(struct);
    const t = fields?.[field];
    return t ? this.resolve(t) : undefined;
  }

  /** The root of a path: its type, and for a global its class name (`name` or `name@file.c` for statics). */
  private rootOf(p: AccessPath): { clsRoot: string | undefined; type: CType | undefined } {
    const root = p.root;
    if (root.startsWith('global:')) {
      const name = root.slice(7);
      const at = name.indexOf('@');
      return {
        clsRoot: at >= 0 ? `${name.slice(0, at)}@${basename(name.slice(at + 1))}` : name,
        type: this.resolve(p.rootType ?? this.globals.get(at >= 0 ? name.slice(0, at) : name)),
      };
    }
    if (root.startsWith('ret:')) {
      const name = root.slice(4);
      const type = this.resolve(p.rootType ?? this.fnReturn.get(name));
      if (type) return { clsRoot: undefined, type };
      // a getter macro: the type of the member it names, when every struct with it agrees
      const member = this.macroMember.get(name);
      return { clsRoot: undefined, type: member ? this.pointerMemberType(member) : undefined };
    }
    return { clsRoot: undefined, type: this.resolve(p.rootType) };
  }

  /**
   * The struct type that holds the last member of `p` (`d->arch.ops->read` -> the type of
   * `d->arch.ops`), or undefined when the code does not say.
   */
  containerOf(p: AccessPath): string | undefined {
    if (p.fields.length === 0) return undefined;
    let { type } = this.rootOf(p);
    for (let i = 0; i < p.fields.length - 1 && type; i++) {
      const f = p.fields[i]!;
      if (f === '[]') {
        if (!p.arrows[i]) type = { name: type.name, ptr: Math.max(0, type.ptr - 1) };
        continue;
      }
      type = this.fieldType(type.name, f);
    }
    return type && !type.name.startsWith('?') && this.structs.has(type.name) ? type.name : undefined;
  }

  private memberIndex: Map<string, Set<string>> | undefined;
  private indexedStructs = -1;

  /**
   * The struct a pointer member of this name points to, when every known struct with such a
   * member agrees (`->vpci` is `struct vpci *` wherever it appears); else undefined.
   */
  pointerMemberType(member: string): CType | undefined {
    if (!this.memberIndex || this.indexedStructs !== this.structs.size) {
      const idx = new Map<string, Set<string>>();
      for (const fields of this.structs.values()) {
        for (const [f, t] of Object.entries(fields)) {
          const ct = this.resolve(t);
          if (!ct || ct.ptr !== 1 || !this.structs.has(ct.name)) continue;
          let set = idx.get(f);
          if (!set) idx.set(f, (set = new Set()));
          set.add(ct.name);
        }
      }
      this.memberIndex = idx;
      this.indexedStructs = this.structs.size;
    }
    const set = this.memberIndex.get(member);
    return set?.size === 1 ? { name: [...set][0]!, ptr: 1 } : undefined;
  }

  /** The lock class of an access path, or '' when the code does not say (resolved later at a call site). */
  classOf(p: AccessPath): string {
    let { clsRoot, type } = this.rootOf(p);
    if (p.fields.length === 0) return clsRoot ?? '';
    let segs: string[] = [];
    for (let i = 0; i < p.fields.length; i++) {
      const f = p.fields[i]!;
      if (p.arrows[i]) {
        // the type chain broke before this dereference (a struct whose header was not given):
        // the member dereferenced here may still name its type uniquely across the tree
        if ((!type || type.name.startsWith('?')) && i > 0 && p.fields[i - 1] !== '[]') type = this.pointerMemberType(p.fields[i - 1]!);
        if (type && !type.name.startsWith('?')) {
          clsRoot = type.name;
          segs = [];
          type = { name: type.name, ptr: Math.max(0, type.ptr - 1) };
        }
      } else if (i === 0 && clsRoot === undefined && type && !type.name.startsWith('?')) {
        clsRoot = type.name; // a struct held by value (local, parameter, global)
      }
      if (f === '[]') {
        if (p.arrows[i]) continue; // `*p`: the dereference above already took the pointer away
        type = type ? { name: type.name, ptr: Math.max(0, type.ptr - 1) } : undefined;
        segs.push('[]');
        continue;
      }
      segs.push(f);
      type = type ? this.fieldType(type.name, f) : undefined;
    }
    if (clsRoot === undefined) return '';
    return segs.length ? `${clsRoot}.${segs.join('.')}` : clsRoot;
  }
}
