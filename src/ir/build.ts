// Builds the per-function IR (a CFG of events) from a tree-sitter function definition.
// Kernel idioms: `list_for_each_entry(...) { }` macros followed by a block are loops,
// `WITH_QEMU_LOCK_GUARD(m) { }` holds over its block, `QEMU_LOCK_GUARD(m)` until the scope
// ends, statement expressions are inlined, #ifdef arms are alternative branches, and
// trylock forms acquire only on their success edge.
import type { LiteNode as SyntaxNode } from '../frontend/lite-tree.js';
import type { FunctionDefNode } from '../frontend/decls.js';
import { evalCondition, preprocArm, preprocParts, type Defines } from './preproc-cond.js';
import type { RuleSet } from '../rules/load.js';
import type { LockApi } from '../rules/schema.js';
import { isShared, pathOf, typeNameOf, withField, type Scope } from './paths.js';
import { bitGate } from './bit-gate.js';
import type { AccessPath, AcquireEvent, Block, FunctionIR, IrEvent, Loc, LockRef } from './types.js';

/** What one edge of a condition says about one atom (see AssumeEvent); `call`: a call's result. */
interface CondFact {
  atom: string;
  t?: boolean;
  f?: boolean;
  call?: boolean;
  /** The false edge's value is a success guess (`rc < 0` false), not a known value. */
  weakF?: boolean;
}

/** Iteration macros used without braces (`list_for_each_entry(p, h, m) if (...) ...`). */
const ITERATION_MACRO = /each|iterate/i;
/** Call-patching macros: the first argument is the function called with the rest. */
const CALL_PATCHING = new Set(['alternative_call', 'alternative_vcall']);

const swapFact = (x: CondFact): CondFact => ({ ...x, t: x.f, f: x.t });

interface TryInfo {
  ev: AcquireEvent;
  /** Success when the tested value is zero (mutex_lock_interruptible, pthread_mutex_trylock). */
  zero: boolean;
}

const NOT_CALLS = new Set(['sizeof', 'likely', 'unlikely', 'WARN_ON', 'WARN_ON_ONCE', 'BUG_ON', 'ASSERT', 'IS_ERR', 'PTR_ERR', 'ERR_PTR', 'ARRAY_SIZE', 'offsetof', 'typeof', '__builtin_expect']);
const PASS_THROUGH = new Set(['likely', 'unlikely', '__builtin_expect', 'WARN_ON', 'WARN_ON_ONCE', 'unlikely_notrace']);

/** A preprocessor arm's condition as a branch atom (`#ifdef X` and `#if defined(X)` are one atom). */
function preprocFact(directive: string, condition: string): { atom: string; then: boolean } | undefined {
  let c = condition.replace(/\bdefined\s+(\w+)/g, 'defined($1)').replace(/\s+/g, '');
  if (!c) return undefined;
  let then = directive !== '#ifndef';
  if (directive === '#ifdef' || directive === '#ifndef') c = `defined(${c})`;
  else if (directive !== '#if' && directive !== '#elif') return undefined;
  const neg = /^!(defined\(?\w+\)?)$/.exec(c);
  if (neg) {
    c = neg[1]!;
    then = !then;
  }
  return { atom: `#pp:${c}`, then };
}

function shortText(s: string, max = 60): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 3) + '...' : t;
}

export class FunctionBuilder {
  private blocks: Block[] = [];
  private cur = 0;
  private readonly exit: number;
  private breakStack: number[] = [];
  private continueStack: number[] = [];
  private labels = new Map<string, number>();
  private guardScopes: LockRef[][] = [];
  private tryVars = new Map<string, TryInfo>();
  /** Enclosing `if (param)` / `if (!param)` arms: a lock taken there depends on the caller's argument. */
  private paramGuards: { param: number; value: boolean }[] = [];
  /** Locals that have been given a literal: later non-literal assignments must say so. */
  private literalLocals = new Set<string>();
  private scope: Scope;
  private parseErrors = 0;
  /** Calls whose result a condition tests, by `line:col`: the call event's assignedTo. */
  private condCalls = new Map<string, string>();
  /** The call an `ASSERT(...)` being built consists of (a held-test macro's call, for the program). */
  private assertedCall: SyntaxNode | null = null;

  constructor(
    private readonly def: FunctionDefNode,
    private readonly file: string,
    private readonly rules: RuleSet,
    globals: Scope['globals'],
    private readonly defines?: Defines,
  ) {
    this.scope = { params: new Map(), locals: new Map(), globals, file };
    this.newBlock(); // entry = 0
    this.exit = this.newBlock();
  }

  build(): FunctionIR {
    const def = this.def;
    const params: FunctionIR['params'] = [];
    let idx = 0;
    for (const p of def.params?.namedChildren ?? []) {
      if (p.type !== 'parameter_declaration') continue;
      const type = typeNameOf(p.childForFieldName('type'), p.childForFieldName('declarator'));
      const declNode = p.childForFieldName('declarator');
      let name = declNode ? declNode.text : '';
      const m = /([A-Za-z_]\w*)\s*(\[.*\])?\s*$/.exec(name);
      name = m ? m[1]! : `arg${idx}`;
      if (type === 'void' && !declNode) continue;
      params.push({ name, type });
      this.scope.params.set(name, { index: idx, type });
      idx++;
    }
    this.cur = 0;
    this.noteConditionNames(def.body);
    this.stmt(def.body);
    if (this.cur >= 0) {
      this.releaseGuards(0);
      this.emit({ k: 'return', loc: this.loc(def.body.lastChild ?? def.body) });
      this.edge(this.cur, this.exit);
    }
    const start = def.node.startPosition;
    return {
      key: def.isStatic ? `${this.file}::${def.name}` : def.name,
      name: def.name,
      file: this.file,
      loc: { file: this.file, line: start.row + 1, col: start.column + 1 },
      endLine: def.node.endPosition.row + 1,
      isStatic: def.isStatic,
      params,
      returnType: def.returnType,
      blocks: this.blocks,
      exit: this.exit,
      annotations: def.annotations,
      parseErrors: this.parseErrors,
    };
  }

  /**
   * Names tested by conditions: every later assignment to them must be an event, or the lock
   * analysis would keep a value a branch assumed (`if (locked)`) across a reassignment.
   */
  private noteConditionNames(body: SyntaxNode): void {
    const stack: SyntaxNode[] = [body];
    while (stack.length) {
      const n = stack.pop()!;
      if (n.type === 'if_statement' || n.type === 'while_statement' || n.type === 'do_statement' || n.type === 'for_statement') {
        const c = n.childForFieldName('condition');
        if (c) {
          const ids: SyntaxNode[] = [c];
          while (ids.length) {
            const x = ids.pop()!;
            if (x.type === 'identifier') this.literalLocals.add(x.text);
            else ids.push(...x.namedChildren);
          }
        }
      }
      stack.push(...n.namedChildren);
    }
  }

  // ---- CFG plumbing -------------------------------------------------------

  private paths = new Map<string, AccessPath>();

  /** Access path of an expression, one shared object per distinct path in the function (IR size). */
  private path(n: SyntaxNode): AccessPath | null {
    const p = pathOf(n, this.scope);
    if (!p) return null;
    const key = `${p.root}\0${p.text}\0${p.rootType ?? ''}\0${p.fields.length}`;
    const prev = this.paths.get(key);
    if (prev) return prev;
    this.paths.set(key, p);
    return p;
  }

  private newBlock(): number {
    const id = this.blocks.length;
    this.blocks.push({ id, events: [], succ: [] });
    return id;
  }

  private edge(from: number, to: number): void {
    if (from < 0) return;
    const s = this.blocks[from]!.succ;
    if (!s.includes(to)) s.push(to);
  }

  private emit(ev: IrEvent): void {
    if (this.cur < 0) this.cur = this.newBlock(); // unreachable code still gets analyzed
    this.blocks[this.cur]!.events.push(ev);
  }

  private loc(n: SyntaxNode): Loc {
    return { file: this.file, line: n.startPosition.row + 1, col: n.startPosition.column + 1 };
  }

  private label(name: string): number {
    let b = this.labels.get(name);
    if (b === undefined) {
      b = this.newBlock();
      this.labels.set(name, b);
    }
    return b;
  }

  private releaseGuards(downTo: number): void {
    for (let i = this.guardScopes.length - 1; i >= downTo; i--) {
      for (const g of [...this.guardScopes[i]!].reverse()) {
        this.emit({ k: 'release', lock: g, mode: 'exclusive', api: 'guard-scope-end', loc: this.blocks[this.cur]?.events.at(-1)?.loc ?? { file: this.file, line: 0, col: 0 } });
      }
    }
  }

  // ---- statements ---------------------------------------------------------

  private stmt(n: SyntaxNode | null): void {
    if (!n) return;
    switch (n.type) {
      case 'compound_statement':
        return this.compound(n.namedChildren);
      case 'declaration':
        return this.declaration(n);
      case 'expression_statement': {
        const e = n.namedChildren[0];
        // `LOAD_LOCK;`: an object-like macro used as a statement (the program expands lock macros)
        if (e?.type === 'identifier' && !this.scope.params.has(e.text) && !this.scope.locals.has(e.text) && !this.scope.globals.has(e.text)) {
          const under = this.paramGuards.at(-1);
          this.emit({ k: 'call', loc: this.loc(e), callee: e.text, args: [], argText: [], bare: true, ...(under ? { underParam: under } : {}) });
          return;
        }
        if (e) this.expr(e);
        return;
      }
      case 'if_statement':
        return this.ifStmt(n);
      case 'while_statement':
        return this.loop(n.childForFieldName('condition'), n.childForFieldName('body'), null, false);
      case 'for_statement': {
        const init = n.childForFieldName('initializer');
        if (init) init.type === 'declaration' ? this.declaration(init) : this.expr(init);
        return this.loop(n.childForFieldName('condition'), n.childForFieldName('body'), n.childForFieldName('update'), false);
      }
      case 'do_statement':
        return this.loop(n.childForFieldName('condition'), n.childForFieldName('body'), null, true);
      case 'switch_statement':
        return this.switchStmt(n);
      case 'return_statement':
        return this.returnStmt(n);
      case 'break_statement': {
        const t = this.breakStack.at(-1);
        if (t !== undefined) this.edge(this.cur, t);
        this.cur = -1;
        return;
      }
      case 'continue_statement': {
        const t = this.continueStack.at(-1);
        if (t !== undefined) this.edge(this.cur, t);
        this.cur = -1;
        return;
      }
      case 'goto_statement': {
        const l = n.childForFieldName('label');
        if (l) this.edge(this.cur, this.label(l.text));
        this.cur = -1;
        return;
      }
      case 'labeled_statement': {
        const l = n.childForFieldName('label');
        if (l) {
          const b = this.label(l.text);
          this.edge(this.cur, b);
          this.cur = b;
        }
        return this.sequence(n.namedChildren.filter((c) => c.type !== 'statement_identifier'));
      }
      case 'function_definition': {
        // `for_each_x ( d ) { ... }` with one argument parses as a nested function definition
        // (type `for_each_x`, declarator `(d)`): an iteration macro over its block
        const decl = n.childForFieldName('declarator');
        const body = n.childForFieldName('body');
        const type = n.childForFieldName('type');
        if (!body || decl?.type !== 'parenthesized_declarator' || type?.type !== 'type_identifier' || this.rules.locks.has(type.text)) return;
        const cursors = decl.namedChildren.filter((a) => a.type === 'identifier' && !this.isGlobalName(a.text)).map((a) => ({ name: a.text, loc: this.loc(a) }));
        return this.loop(null, body, null, false, true, cursors);
      }
      case 'attributed_statement':
        for (const c of n.namedChildren) if (c.type !== 'attribute_declaration') this.stmt(c);
        return;
      case 'case_statement':
        return this.sequence(n.namedChildren.slice(n.childForFieldName('value') ? 1 : 0));
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_elif':
      case 'preproc_elifdef':
        return this.preprocBranch(n);
      case 'preproc_else':
        return this.compound(n.namedChildren);
      case 'ERROR':
        this.parseErrors++;
        return this.compound(n.namedChildren);
      case 'comment':
      case 'preproc_def':
      case 'preproc_function_def':
      case 'preproc_include':
      case 'preproc_call':
        return;
      default:
        if (n.type.endsWith('_expression') || n.type === 'identifier') this.expr(n);
        return;
    }
  }

  private compound(children: SyntaxNode[]): void {
    this.guardScopes.push([]);
    const depth = this.guardScopes.length - 1;
    this.sequence(children);
    if (this.cur >= 0) this.releaseGuards(depth);
    this.guardScopes.pop();
  }

  /** Statements in order; `macro(args) { ... }` pairs become loops or lock-guarded blocks. */
  private sequence(children: SyntaxNode[]): void {
    for (let i = 0; i < children.length; i++) {
      const c = children[i]!;
      // `macro(args) { ... }`: an expression statement missing its ';' followed by a block
      const call = c.type === 'expression_statement' ? c.namedChildren[0] : undefined;
      const next = children[i + 1];
      if (call?.type === 'call_expression' && next && c.lastChild?.isMissing && (next.type === 'compound_statement' || (ITERATION_MACRO.test(call.childForFieldName('function')?.text ?? '') && /_statement$/.test(next.type) && next.type !== 'case_statement' && next.type !== 'labeled_statement'))) {
        this.macroBlock(call, next);
        i++;
        continue;
      }
      this.stmt(c);
    }
  }

  private macroBlock(call: SyntaxNode, body: SyntaxNode): void {
    const name = call.childForFieldName('function')?.text ?? '';
    const api = this.rules.locks.get(name);
    if (api?.scoped) {
      const lock = this.lockRef(call, api);
      if (lock) this.emit(this.acquireEvent(call, api, lock, name));
      this.stmt(body);
      if (lock && this.cur >= 0) this.emit({ k: 'release', lock, mode: api.mode, api: name, loc: this.loc(body.lastChild ?? body) });
      return;
    }
    // an iteration macro: evaluate its arguments, then loop over the block
    const args = call.childForFieldName('arguments')?.namedChildren ?? [];
    for (const a of args) this.expr(a);
    // each iteration rebinds the cursor variables the macro is handed (`for_each_x(p, tmp, head)`)
    const cursors = args.filter((a) => a.type === 'identifier' && !this.isGlobalName(a.text)).map((a) => ({ name: a.text, loc: this.loc(a) }));
    this.loop(null, body, null, false, true, cursors);
  }

  private preprocBranch(n: SyntaxNode): void {
    const alt = n.childForFieldName('alternative');
    // the build's defines choose the arm; unknown: both, as alternatives
    const { directive, condition } = preprocParts(n);
    const arm = preprocArm(directive, condition, this.defines);
    if (arm === true) {
      this.compound(n.namedChildren.filter((c) => c !== alt && c !== n.childForFieldName('condition') && c !== n.childForFieldName('name')));
      return;
    }
    if (arm === false) {
      if (alt) this.stmt(alt);
      return;
    }
    const start = this.cur;
    const join = this.newBlock();
    const thenB = this.newBlock();
    this.edge(start, thenB);
    this.cur = thenB;
    // the same preprocessor condition has the same value everywhere in one build: two arms of
    // `#if X` (a lock in one, its unlock in a later one) are taken together or not at all
    const fact = preprocFact(directive, condition);
    if (fact) this.emit({ k: 'assume', loc: this.loc(n), name: fact.atom, value: fact.then });
    this.compound(n.namedChildren.filter((c) => c !== alt && c !== n.childForFieldName('condition') && c !== n.childForFieldName('name')));
    this.edge(this.cur, join);
    const elseB = this.newBlock();
    this.edge(start, elseB);
    this.cur = elseB;
    if (fact) this.emit({ k: 'assume', loc: this.loc(n), name: fact.atom, value: !fact.then });
    if (alt) this.stmt(alt);
    this.edge(this.cur, join);
    this.cur = join;
  }

  private declaration(n: SyntaxNode): void {
    const typeNode = n.childForFieldName('type');
    for (const d of n.childrenForFieldName('declarator')) {
      const inner = d.type === 'init_declarator' ? d.childForFieldName('declarator') : d;
      const type = typeNameOf(typeNode, inner);
      const m = inner ? /([A-Za-z_]\w*)\s*(\[.*\])?\s*$/.exec(inner.text) : null;
      const name = m?.[1];
      if (name) this.scope.locals.set(name, type);
      const value = d.type === 'init_declarator' ? d.childForFieldName('value') : null;
      if (value && name) this.assignLocal(name, value);
      else if (value) this.expr(value);
    }
  }

  private ifStmt(n: SyntaxNode): void {
    const cond = n.childForFieldName('condition');
    // `if (IS_ENABLED(CONFIG_X))`: the build's defines may say which arm runs
    if (cond && this.defines?.size && /\bIS_(?:ENABLED|BUILTIN|REACHABLE)\s*\(/.test(cond.text)) {
      const arm = evalCondition(cond.text, this.defines);
      if (arm !== undefined) {
        const alt = n.childForFieldName('alternative');
        this.stmt(arm ? n.childForFieldName('consequence') : alt ? (alt.type === 'else_clause' ? alt.namedChildren[0] ?? null : alt) : null);
        return;
      }
    }
    const facts = cond ? this.condFacts(cond) : [];
    const tryAcq = cond ? this.condition(cond) : null;
    const start = this.cur;
    const thenB = this.newBlock();
    const elseB = this.newBlock();
    const join = this.newBlock();
    this.edge(start, thenB);
    this.edge(start, elseB);
    const pg = cond ? this.paramTest(cond) : null;
    this.cur = thenB;
    this.emitAssumes(facts, true);
    if (tryAcq?.onTrue) this.emit(tryAcq.ev);
    if (pg) this.paramGuards.push(pg);
    this.stmt(n.childForFieldName('consequence'));
    if (pg) this.paramGuards.pop();
    this.edge(this.cur, join);
    this.cur = elseB;
    this.emitAssumes(facts, false);
    if (tryAcq && !tryAcq.onTrue) this.emit(tryAcq.ev);
    const gate = bitGate(cond, n.childForFieldName('consequence'));
    const gateLock = gate ? this.gateLock(gate.bit, gate.word) : null;
    if (gate && gateLock) this.emit({ k: 'acquire', loc: this.loc(gate.call), lock: gateLock, mode: 'exclusive', irq: 'none', try: false, nested: false, api: 'test_and_set_bit' });
    const alt = n.childForFieldName('alternative');
    if (pg) this.paramGuards.push({ param: pg.param, value: !pg.value });
    if (alt) this.stmt(alt.type === 'else_clause' ? alt.namedChildren[0] ?? null : alt);
    if (pg) this.paramGuards.pop();
    this.edge(this.cur, join);
    this.cur = join;
  }

  /** The lock a bit gate is (src/ir/bit-gate.ts): the flag word's path with the bit as its last step. */
  private gateLock(bit: string, word: SyntaxNode): LockRef | null {
    const p = this.path(word);
    if (!p || p.root.startsWith('local:')) return null;
    return { cls: '', inst: { ...p, fields: [...p.fields, bit], arrows: [...p.arrows, false], text: `bit ${bit} of ${p.text.replace(/^&\s*/, '')}` } };
  }

  /** `(lockit)` / `(!lockit)` on a parameter: the then-arm runs when it is true / false. */
  private paramTest(cond: SyntaxNode): { param: number; value: boolean } | null {
    let n: SyntaxNode | null = cond;
    let value = true;
    for (;;) {
      if (!n) return null;
      if (n.type === 'parenthesized_expression') n = n.namedChildren[0] ?? null;
      else if (n.type === 'unary_expression' && n.child(0)?.type === '!') {
        value = !value;
        n = n.namedChildren[0] ?? null;
      } else if (n.type === 'call_expression' && PASS_THROUGH.has(n.childForFieldName('function')?.text ?? '')) {
        n = n.childForFieldName('arguments')?.namedChildren[0] ?? null;
      } else break;
    }
    if (n.type !== 'identifier') return null;
    const p = this.scope.params.get(n.text);
    return p ? { param: p.index, value } : null;
  }

  private loop(cond: SyntaxNode | null, body: SyntaxNode | null, update: SyntaxNode | null, bodyFirst: boolean, macro = false, cursors: { name: string; loc: Loc }[] = []): void {
    const head = this.newBlock();
    const after = this.newBlock();
    const cont = this.newBlock();
    const bodyB = this.newBlock();
    this.edge(this.cur, bodyFirst ? bodyB : head);
    this.cur = head;
    for (const c of cursors) this.emit({ k: 'assign', loc: c.loc, name: c.name, value: '?', ...(macro ? { cursor: true } : {}) });
    const facts = cond ? this.condFacts(cond) : [];
    const tryAcq = cond ? this.condition(cond) : null;
    const infinite = cond ? /^\(\s*(1|true)\s*\)$/.test(cond.text) : !macro;
    const headEnd = this.cur;
    // the condition's true edge into the body (not the first entry of a do-while body)
    if (facts.some((f) => f.t !== undefined) || tryAcq?.onTrue) {
      const enter = this.newBlock();
      this.edge(headEnd, enter);
      this.cur = enter;
      this.emitAssumes(facts, true);
      if (tryAcq?.onTrue) this.emit(tryAcq.ev);
      this.edge(enter, bodyB);
    } else this.edge(headEnd, bodyB);
    if (!infinite) {
      if ((tryAcq && !tryAcq.onTrue) || facts.some((f) => f.f !== undefined)) {
        const ex = this.newBlock();
        this.edge(headEnd, ex);
        this.cur = ex;
        this.emitAssumes(facts, false);
        if (tryAcq && !tryAcq.onTrue) this.emit(tryAcq.ev);
        this.edge(ex, after);
      } else this.edge(headEnd, after);
    }
    this.breakStack.push(after);
    this.continueStack.push(cont);
    this.cur = bodyB;
    this.stmt(body);
    this.edge(this.cur, cont);
    this.breakStack.pop();
    this.continueStack.pop();
    this.cur = cont;
    if (update) this.expr(update);
    this.edge(this.cur, head);
    this.cur = after;
  }

  private switchStmt(n: SyntaxNode): void {
    const cond = n.childForFieldName('condition');
    if (cond) this.expr(cond);
    const dispatch = this.cur;
    const after = this.newBlock();
    this.breakStack.push(after);
    let hasDefault = false;
    let prev = -1;
    const body = n.childForFieldName('body');
    for (const c of body?.namedChildren ?? []) {
      if (c.type === 'case_statement') {
        const b = this.newBlock();
        this.edge(dispatch, b);
        this.edge(prev, b);
        if (!c.childForFieldName('value')) hasDefault = true;
        this.cur = b;
        this.stmt(c);
        prev = this.cur;
      } else {
        if (prev < 0 && this.cur < 0) this.cur = this.newBlock();
        this.stmt(c);
        prev = this.cur;
      }
    }
    this.edge(prev, after);
    if (!hasDefault) this.edge(dispatch, after);
    this.breakStack.pop();
    this.cur = after;
  }

  private returnStmt(n: SyntaxNode): void {
    const v = n.namedChildren[0];
    const tried = v ? this.tryPolarity(v, false) : null;
    if (v && tried) {
      // `return spin_trylock(&l);`: a trylock function, returning 1 holding the lock and 0 not
      this.expr(v, tried.call);
      const start = this.cur;
      for (const ok of [true, false]) {
        this.cur = this.newBlock();
        this.edge(start, this.cur);
        if (tried.onTrue === ok) this.emit(tried.ev);
        this.releaseGuards(0);
        this.emit({ k: 'return', loc: this.loc(n), value: ok ? '1' : '0' });
        this.edge(this.cur, this.exit);
      }
      this.cur = -1;
      return;
    }
    if (v) this.expr(v);
    this.releaseGuards(0);
    this.emit({ k: 'return', loc: this.loc(n), value: v ? shortText(v.text, 40) : undefined });
    this.edge(this.cur, this.exit);
    this.cur = -1;
  }

  /** Evaluates a branch condition; returns a trylock acquire and the edge it belongs on. */
  private condition(cond: SyntaxNode): { ev: AcquireEvent; onTrue: boolean } | null {
    const found = this.tryPolarity(cond, false);
    const before = this.blocks[this.cur >= 0 ? this.cur : 0]!.events.length;
    this.expr(cond, found?.call);
    const evs = this.cur >= 0 ? this.blocks[this.cur]!.events.slice(before) : [];
    const reads: AccessPath[] = [];
    for (const e of evs) if (e.k === 'load' || (e.k === 'atomic' && e.reads)) reads.push(e.path);
    this.emit({ k: 'branch', loc: this.loc(cond), text: shortText(cond.text, 80), reads });
    if (!found) return null;
    return { ev: found.ev, onTrue: found.onTrue };
  }

  /**
   * What a condition's true and false edges say about its atoms. Short-circuit: a call not
   * evaluated counts as having returned false (it took no lock), so `a && f()` says f() failed
   * on the false edge; nothing else is known about `a` there.
   */
  private condFacts(n: SyntaxNode): CondFact[] {
    const text = (x: SyntaxNode): CondFact[] => {
      const t = x.text.replace(/\s+/g, '');
      // a call inside may return something else next time; a literal is no atom
      if (/[A-Za-z_]\w*\(/.test(t) || /^[\d'"]/.test(t) || t.length > 80) return [];
      return [{ atom: `#${t}`, t: true, f: false }];
    };
    switch (n.type) {
      case 'parenthesized_expression': {
        const i = n.namedChildren[0];
        return i && i.type !== 'compound_statement' ? this.condFacts(i) : [];
      }
      case 'unary_expression':
        return n.child(0)?.type === '!' && n.namedChildren[0] ? this.condFacts(n.namedChildren[0]).map(swapFact) : [];
      case 'identifier':
        return [{ atom: n.text, t: true, f: false }];
      case 'assignment_expression': {
        const l = n.childForFieldName('left');
        return l?.type === 'identifier' && n.child(1)?.text === '=' ? [{ atom: l.text, t: true, f: false }] : [];
      }
      case 'call_expression': {
        const callee = n.childForFieldName('function');
        const name = callee?.text ?? '';
        if (PASS_THROUGH.has(name)) {
          const a = n.childForFieldName('arguments')?.namedChildren[0];
          return a ? this.condFacts(a) : [];
        }
        // only a call the IR records as a call event (not an atomic, a ONCE access, a free)
        const r = this.rules;
        // a named function, or a hook (`ops->claim(h, r)`: an indirect call event)
        const hook = callee?.type === 'field_expression';
        if (!hook && (r.locks.has(name) || r.atomics.has(name) || r.once.has(name) || r.frees.has(name) || r.barriers.has(name) || NOT_CALLS.has(name) || !/^[A-Za-z_]\w*$/.test(name))) return [];
        const p = n.startPosition;
        const atom = `%${p.row + 1}:${p.column + 1}`;
        this.condCalls.set(atom.slice(1), atom);
        return [{ atom, t: true, f: false, call: true }];
      }
      case 'binary_expression': {
        const op = n.child(1)?.type;
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        if (!l || !r) return [];
        if (op === '==' || op === '!=') {
          const zero = (x: SyntaxNode) => x.text === '0' || x.text === 'NULL' || x.text === 'false';
          const side = zero(r) ? l : zero(l) ? r : null;
          if (!side) return text(n);
          const f = this.condFacts(side);
          return op === '==' ? f.map(swapFact) : f;
        }
        if (op === '&&' || op === '||') {
          const and = op === '&&';
          const a = this.condFacts(l).map((x) => (and ? { ...x, f: undefined } : { ...x, t: undefined }));
          const b = this.condFacts(r).map((x) =>
            and ? { ...x, f: x.call && x.f === false ? false : undefined } : { ...x, t: x.call && x.t === false ? false : undefined },
          );
          return [...a, ...b].filter((x) => x.t !== undefined || x.f !== undefined);
        }
        // `rc < 0`: non-zero on the true edge; the false edge is where rc reports success
        if (op === '<' && r.text === '0' && l.type === 'identifier') return [...text(n), { atom: l.text, t: true, f: false, weakF: true }];
        return text(n);
      }
      case 'field_expression':
      case 'subscript_expression':
      case 'pointer_expression':
        return text(n);
      default:
        return [];
    }
  }

  private emitAssumes(facts: CondFact[], edge: boolean): void {
    for (const f of facts) {
      const v = edge ? f.t : f.f;
      if (v !== undefined) this.emit({ k: 'assume', loc: this.blocks[this.cur]?.events.at(-1)?.loc ?? this.loc(this.def.body), name: f.atom, value: v, ...(!edge && f.weakF ? { weak: true } : {}) });
    }
  }

  /** Finds a trylock (or a variable holding a trylock result) in a condition and on which edge it succeeded. */
  private tryPolarity(n: SyntaxNode, neg: boolean): { ev: AcquireEvent; onTrue: boolean; call?: SyntaxNode } | null {
    switch (n.type) {
      case 'parenthesized_expression':
        return n.namedChildren[0] ? this.tryPolarity(n.namedChildren[0], neg) : null;
      case 'unary_expression':
        return n.child(0)?.type === '!' && n.namedChildren[0] ? this.tryPolarity(n.namedChildren[0], !neg) : null;
      case 'identifier': {
        const t = this.tryVars.get(n.text);
        if (!t) return null;
        this.tryVars.delete(n.text);
        return { ev: t.ev, onTrue: t.zero ? neg : !neg };
      }
      case 'assignment_expression': {
        const r = n.childForFieldName('right');
        const l = n.childForFieldName('left');
        // `(d = lock_by_id(id)) == NULL`: the object taken is the one assigned
        const rc = r && this.strip(r);
        const api = rc?.type === 'call_expression' ? this.rules.locks.get(rc.childForFieldName('function')?.text ?? '') : undefined;
        // stored in a local: assignLocal ties the hold to the local's later tests (no second take here)
        if (api?.try && api.op === 'acquire' && (api.result || api.noOrder) && l?.type === 'identifier' && n.child(1)?.text === '=' && !this.isGlobalName(l.text)) return null;
        if (rc && l && api?.result && api.try && api.op === 'acquire') {
          const lock = this.lockRef(rc, api, l);
          return lock ? { ev: this.acquireEvent(rc, api, lock, rc.childForFieldName('function')!.text), onTrue: !neg, call: rc } : null;
        }
        return r ? this.tryPolarity(r, neg) : null;
      }
      case 'binary_expression': {
        const op = n.child(1)?.type;
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        if (!l || !r) return null;
        if (op === '==' || op === '!=') {
          const zero = (x: SyntaxNode) => x.text === '0' || x.text === 'NULL';
          const zeroSide = zero(r) ? l : zero(l) ? r : null;
          if (!zeroSide) return null;
          return this.tryPolarity(zeroSide, op === '==' ? !neg : neg);
        }
        if (op === '&&' || op === '||') {
          for (const side of [l, r]) {
            const f = this.tryPolarity(side, neg);
            // `a && trylock()`: the true edge implies success; `a || !trylock()`: the false edge does
            if (f && ((op === '&&') !== neg ? f.onTrue : !f.onTrue)) return f;
          }
        }
        return null;
      }
      case 'call_expression': {
        const callee = n.childForFieldName('function');
        const name = callee?.text ?? '';
        if (PASS_THROUGH.has(name)) {
          const a = n.childForFieldName('arguments')?.namedChildren[0];
          return a ? this.tryPolarity(a, neg) : null;
        }
        const api = this.rules.locks.get(name);
        if ((!api?.try && !api?.cond) || api.op !== 'acquire') return null;
        const lock = this.lockRef(n, api);
        if (!lock) return null;
        return { ev: this.acquireEvent(n, api, lock, name), onTrue: api.tryZero ? neg : !neg, call: n };
      }
      default:
        return null;
    }
  }

  // ---- expressions --------------------------------------------------------

  private assignLocal(name: string, value: SyntaxNode): void {
    const v = value.type === 'parenthesized_expression' && value.namedChildren[0]?.type !== 'compound_statement' ? value.namedChildren[0]! : value;
    const lit = v.text.replace(/\s+/g, '');
    if (/^(-?\d+|-?0x[0-9a-fA-F]+|-?E[A-Z0-9]+|NULL|true|false)$/.test(lit)) {
      this.emit({ k: 'assign', loc: this.loc(v), name, value: lit });
      this.literalLocals.add(name);
      return;
    }
    // `status = ocfs2_inode_lock(...)` after `status = 0`: the literal no longer holds; a
    // pointer pointed elsewhere (`lock = &slots[i]` each round) no longer names the same lock
    if (this.literalLocals.has(name) || (v.type !== 'call_expression' && this.scope.locals.get(name)?.endsWith('*'))) this.emit({ k: 'assign', loc: this.loc(v), name, value: '?' });
    // `a = b = f()`: b takes the value (its own events), then a copies b
    const inner = this.strip(v);
    const il = inner.type === 'assignment_expression' ? inner.childForFieldName('left') : null;
    if (il?.type === 'identifier' && inner.child(1)?.text === '=' && !this.isGlobalName(il.text)) {
      this.expr(inner);
      if (this.cur >= 0) this.emit({ k: 'assign', loc: this.loc(v), name, value: '?', ...(il.text !== name ? { alias: il.text } : {}) });
      return;
    }
    if (v.type === 'call_expression') {
      const fname = v.childForFieldName('function')?.text ?? '';
      const api = this.rules.locks.get(fname);
      if (api?.try && api.op === 'acquire' && (api.result || api.noOrder)) {
        // a reference taken by lookup (`d = lock_by_id(id)`, `rc = lock_by_id(id, &d)`): held
        // wherever a later branch says the result succeeded (`if (d && d->x)`, then `if (d)`)
        const lock = this.lockRef(v, api, this.namePath(name));
        for (const a of v.childForFieldName('arguments')?.namedChildren ?? []) this.subExprs(a);
        if (lock) this.emit({ ...this.acquireEvent(v, api, lock, fname), condOn: name, condWhen: !api.tryZero });
        return;
      }
      if (api?.try && api.op === 'acquire') {
        const lock = this.lockRef(v, api, this.namePath(name));
        if (lock) this.tryVars.set(name, { ev: this.acquireEvent(v, api, lock, fname), zero: api.tryZero });
        for (const a of v.childForFieldName('arguments')?.namedChildren ?? []) this.expr(a);
        return;
      }
      // `d = rcu_lock_domain(x)`: the object held is the one the result names
      const into = api?.result && api.op === 'acquire' ? this.namePath(name) : undefined;
      const lock = into && api ? this.lockRef(v, api, into) : null;
      if (lock && api) {
        // held, unless a later branch finds the result NULL
        for (const a of v.childForFieldName('arguments')?.namedChildren ?? []) this.subExprs(a);
        this.emit({ ...this.acquireEvent(v, api, lock, fname), condOn: name, condWhen: true });
        return;
      }
    }
    const before = this.cur >= 0 ? this.blocks[this.cur]!.events.length : 0;
    this.expr(v);
    const last = this.cur >= 0 ? this.blocks[this.cur]!.events.at(-1) : undefined;
    let bound = false;
    if (last && this.blocks[this.cur]!.events.length > before) {
      if (last.k === 'call') bound = !!(last.assignedTo = name);
      else if (last.k === 'load') bound = !!(last.into = name);
    }
    // any other rebinding of a pointer-ish local is an event too: lifetime rules end an alias there
    const alias = this.aliasRoot(v);
    const interior = !!alias && this.strip(v).type !== 'identifier';
    if (this.cur >= 0 && (alias || !bound)) this.emit({ k: 'assign', loc: this.loc(v), name, value: '?', ...(alias && alias !== name ? { alias, ...(interior ? { interior } : {}) } : {}) });
  }

  private strip(n: SyntaxNode): SyntaxNode {
    for (let i = 0; i < 8 && (n.type === 'parenthesized_expression' || n.type === 'cast_expression'); i++) {
      const inner = n.type === 'cast_expression' ? n.childForFieldName('value') : n.namedChildren[0];
      if (!inner || inner.type === 'compound_statement') break;
      n = inner;
    }
    return n;
  }

  /** The local a pointer expression points into: `p`, `p + i`, `&p->f`, `&p[i]`, `(T *)p`. */
  private aliasRoot(n: SyntaxNode): string | undefined {
    for (let i = 0; i < 8; i++) {
      if (n.type === 'parenthesized_expression' || n.type === 'cast_expression') {
        const inner = n.type === 'cast_expression' ? n.childForFieldName('value') : n.namedChildren[0];
        if (!inner || inner.type === 'compound_statement') return undefined;
        n = inner;
      } else if (n.type === 'binary_expression' && (n.child(1)?.type === '+' || n.child(1)?.type === '-')) {
        n = n.childForFieldName('left')!;
        if (!n) return undefined;
      } else if (n.type === 'pointer_expression' && n.child(0)?.type === '&') {
        let a = n.childForFieldName('argument');
        let sub = false;
        while (a && (a.type === 'field_expression' || a.type === 'subscript_expression' || a.type === 'parenthesized_expression')) {
          if (a.type === 'field_expression' && a.child(1)?.type === '->') return a.childForFieldName('argument')?.type === 'identifier' ? a.childForFieldName('argument')!.text : undefined;
          if (a.type === 'subscript_expression') sub = true;
          a = a.type === 'parenthesized_expression' ? a.namedChildren[0] ?? null : a.childForFieldName('argument');
        }
        if (!sub || a?.type !== 'identifier') return undefined;
        n = a;
        break;
      } else break;
    }
    return n.type === 'identifier' && !this.isGlobalName(n.text) ? n.text : undefined;
  }

  private expr(n: SyntaxNode, skipCall?: SyntaxNode): void {
    switch (n.type) {
      case 'call_expression':
        if (n === skipCall) {
          for (const a of n.childForFieldName('arguments')?.namedChildren ?? []) this.expr(a);
          return;
        }
        return this.call(n);
      case 'assignment_expression': {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        const op = n.child(1)?.text ?? '=';
        if (left?.type === 'identifier' && right && op === '=' && !this.isGlobalName(left.text)) {
          return this.assignLocal(left.text, right);
        }
        if (right) this.expr(right, skipCall);
        // `ACCESS_ONCE(p->f) = v` (READ_ONCE as an lvalue): a marked store to p->f, not a load
        const onceArg = left?.type === 'call_expression' && /^(ACCESS_ONCE|READ_ONCE)$/.test(left.childForFieldName('function')?.text ?? '')
          ? left.childForFieldName('arguments')?.namedChildren[0] ?? null : null;
        if (left && onceArg) {
          this.subExprs(onceArg);
          const p = this.path(left);
          if (p && isShared(p)) this.emit({ k: 'store', loc: this.loc(n), path: p, once: true, value: right ? shortText(right.text, 40) : '', ...(op !== '=' ? { rmw: op } : {}) });
          return;
        }
        // `p += n`: the local now points elsewhere
        // (any compound update of a local holding a literal: the literal no longer holds)
        if (left?.type === 'identifier' && !this.isGlobalName(left.text) && this.cur >= 0 && (op === '+=' || op === '-=' || this.literalLocals.has(left.text))) {
          this.emit({ k: 'assign', loc: this.loc(n), name: left.text, value: '?' });
          return;
        }
        if (left) {
          if (left.type !== 'identifier' && left.type !== 'field_expression') this.subExprs(left);
          else if (left.type === 'field_expression') this.subExprs(left.childForFieldName('argument'));
          const p = this.path(left);
          if (p && isShared(p)) {
            this.emit({ k: 'store', loc: this.loc(n), path: p, once: false, value: right ? shortText(right.text, 40) : '', ...(op !== '=' ? { rmw: op } : {}) });
          }
        }
        return;
      }
      case 'update_expression': {
        const arg = n.childForFieldName('argument');
        if (arg?.type === 'identifier' && this.literalLocals.has(arg.text)) this.emit({ k: 'assign', loc: this.loc(n), name: arg.text, value: '?' });
        const p = arg ? this.path(arg) : null;
        if (p && isShared(p)) this.emit({ k: 'store', loc: this.loc(n), path: p, once: false, value: shortText(n.text), rmw: n.text.includes('++') ? '++' : '--' });
        else if (arg?.type === 'identifier' && this.literalLocals.has(arg.text) && this.cur >= 0) this.emit({ k: 'assign', loc: this.loc(n), name: arg.text, value: '?' });
        return;
      }
      case 'field_expression':
      case 'subscript_expression': {
        this.subExprs(n.childForFieldName('argument'));
        if (n.type === 'subscript_expression') {
          const idx = n.childForFieldName('index');
          if (idx) this.expr(idx);
        }
        const p = this.path(n);
        if (p && isShared(p)) this.emit({ k: 'load', loc: this.loc(n), path: p, once: false });
        return;
      }
      case 'identifier': {
        if (this.isGlobalName(n.text)) {
          const p = this.path(n);
          if (p) this.emit({ k: 'load', loc: this.loc(n), path: p, once: false });
        }
        return;
      }
      case 'pointer_expression': {
        const arg = n.childForFieldName('argument');
        if (!arg) return;
        if (n.child(0)?.type === '&') return this.subExprs(arg.type === 'field_expression' ? arg.childForFieldName('argument') : arg);
        this.expr(arg);
        return;
      }
      case 'parenthesized_expression': {
        const inner = n.namedChildren[0];
        if (!inner) return;
        if (inner.type === 'compound_statement') return this.stmt(inner); // statement expression
        return this.expr(inner, skipCall);
      }
      case 'sizeof_expression':
      case 'alignof_expression':
      case 'string_literal':
      case 'concatenated_string':
      case 'number_literal':
      case 'char_literal':
      case 'true':
      case 'false':
      case 'null':
        return;
      case 'compound_statement':
        return this.stmt(n);
      default:
        for (const c of n.namedChildren) this.expr(c, skipCall);
    }
  }

  /** Evaluates the non-path parts under a path expression (calls, index expressions). */
  private subExprs(n: SyntaxNode | null): void {
    if (!n) return;
    switch (n.type) {
      case 'identifier':
        return;
      case 'field_expression':
        return this.subExprs(n.childForFieldName('argument'));
      case 'subscript_expression': {
        this.subExprs(n.childForFieldName('argument'));
        const idx = n.childForFieldName('index');
        if (idx) this.expr(idx);
        return;
      }
      case 'parenthesized_expression':
      case 'pointer_expression':
      case 'cast_expression':
        for (const c of n.namedChildren) if (c.type !== 'type_descriptor') this.subExprs(c);
        return;
      default:
        this.expr(n);
    }
  }

  /** Access path of a local or parameter by name (a `result` lock API's object). */
  private namePath(name: string): AccessPath | undefined {
    const p = this.scope.params.get(name);
    if (p) return { root: `param:${p.index}`, fields: [], arrows: [], text: name, ...(p.type ? { rootType: p.type } : {}) };
    const l = this.scope.locals.get(name);
    return l !== undefined ? { root: `local:${name}`, fields: [], arrows: [], text: name, ...(l ? { rootType: l } : {}) } : undefined;
  }

  private isGlobalName(name: string): boolean {
    if (this.scope.params.has(name) || this.scope.locals.has(name)) return false;
    return this.scope.globals.has(name);
  }

  /** The lock an API call takes; `into`: the lvalue its result is stored in (a `result` API's object). */
  private lockRef(call: SyntaxNode, api: LockApi, into?: SyntaxNode | AccessPath): LockRef | null {
    if (api.result && (into || api.arg === undefined)) {
      const p = into && 'type' in into ? this.path(into) : into;
      return p ? { cls: '', inst: p } : null;
    }
    if (api.global !== undefined) {
      return { cls: api.global, inst: { root: `global:${api.global}`, fields: [], arrows: [], text: api.global } };
    }
    const arg = call.childForFieldName('arguments')?.namedChildren[api.arg ?? 0];
    if (!arg) return null;
    let p = this.path(arg);
    if (!p) return null;
    p = withField(p, api.field);
    return { cls: '', inst: p };
  }

  /** `lockdep_assert_held(&l)` or `ASSERT(spin_is_locked(&l))`: the lock and API it asserts held. */
  private assertedLock(n: SyntaxNode, name: string, args: SyntaxNode[]): { call: SyntaxNode; api: LockApi; name: string } | null {
    const direct = this.rules.locks.get(name);
    if (direct?.op === 'assert') return { call: n, api: direct, name };
    if (name !== 'ASSERT' || args.length !== 1) return null;
    let inner: SyntaxNode | null = args[0]!;
    while (inner?.type === 'parenthesized_expression') inner = inner.namedChildren[0] ?? null;
    if (inner?.type !== 'call_expression') return null;
    const fname = inner.childForFieldName('function');
    const api = fname?.type === 'identifier' ? this.rules.locks.get(fname.text) : undefined;
    return api?.op === 'held-test' ? { call: inner, api, name: fname!.text } : null;
  }

  private acquireEvent(call: SyntaxNode, api: LockApi, lock: LockRef, name: string): AcquireEvent {
    const guard = this.paramGuards.at(-1);
    return { k: 'acquire', loc: this.loc(call), lock, mode: api.mode, irq: api.irq, try: api.try, nested: api.nested, api: name, ...(guard ? { guard } : {}) };
  }

  private call(n: SyntaxNode): void {
    let fn = n.childForFieldName('function');
    let args = n.childForFieldName('arguments')?.namedChildren ?? [];
    // `alternative_vcall(ops.fn, a, b)`: a call of ops.fn(a, b), patched at boot
    // (only a named function: a member of an ops table fans out to every implementation)
    if (fn?.type === 'identifier' && CALL_PATCHING.has(fn.text) && args[0]?.type === 'identifier') {
      fn = args[0]!;
      args = args.slice(1);
    }
    const name = fn?.type === 'identifier' ? fn.text : null;
    if (!name) {
      if (fn) this.subExprs(fn);
      for (const a of args) this.expr(a);
      // an indirect call (`fiq->ops->wake_forget_and_unlock(fiq)`): recorded as `*field` with
      // the member expression; the program resolves it through function-pointer tables
      const field = fn?.type === 'field_expression' ? fn.childForFieldName('field')?.text : fn?.type === 'parenthesized_expression' ? undefined : undefined;
      if (field) {
        const via = fn ? this.path(fn) : null;
        // a hook whose result a condition tests (`if (ops->claim(h, r))`): an implementation
        // may hold a lock exactly when it says yes
        const p = n.startPosition;
        const tested = this.condCalls.get(`${p.row + 1}:${p.column + 1}`);
        this.emit({ k: 'call', loc: this.loc(n), callee: `*${field}`, args: args.map((a) => this.path(a)), argText: args.map((a) => shortText(a.text, 40)), ...(via ? { via } : {}), ...(tested ? { assignedTo: tested } : {}) });
      }
      return;
    }
    const r = this.rules;
    const lockApi = r.locks.get(name);
    const asserted = this.assertedLock(n, name, args);
    if (asserted) {
      for (const a of args) this.subExprs(a);
      const lock = this.lockRef(asserted.call, asserted.api);
      if (lock) this.emit({ ...this.acquireEvent(asserted.call, asserted.api, lock, asserted.name), assumed: true });
      return;
    }
    if (lockApi && (lockApi.op === 'held-test' || lockApi.op === 'assert')) {
      // a held-test outside ASSERT() is an ordinary condition
      for (const a of args) this.expr(a);
      return;
    }
    if (lockApi && !lockApi.scoped) {
      for (const a of args) this.subExprs(a);
      const lock = this.lockRef(n, lockApi);
      if (!lock) return;
      if (lockApi.op === 'release') {
        this.emit({ k: 'release', loc: this.loc(n), lock, mode: lockApi.mode, api: name });
        return;
      }
      if (lockApi.try) return; // a trylock whose result is not tested: no lock is known to be held
      this.emit(this.acquireEvent(n, lockApi, lock, name));
      if (lockApi.guard) this.guardScopes.at(-1)?.push(lock);
      return;
    }
    const once = r.once.get(name);
    if (once) {
      const target = args[once.arg];
      if (once.op === 'store') for (const a of args.slice(once.arg + 1)) this.expr(a);
      if (target) {
        this.subExprs(target.type === 'field_expression' ? target.childForFieldName('argument') : target);
        const p = this.path(target);
        if (p) {
          if (once.op === 'load') this.emit({ k: 'load', loc: this.loc(n), path: p, once: true });
          else this.emit({ k: 'store', loc: this.loc(n), path: p, once: true, value: shortText(args[once.arg + 1]?.text ?? '', 40) });
        }
      }
      return;
    }
    const atomic = r.atomics.get(name);
    if (atomic) {
      for (const a of args) this.subExprs(a);
      const target = args[atomic.arg];
      const p = target ? this.path(target) : null;
      if (p) {
        this.emit({
          k: 'atomic', loc: this.loc(n), op: name, path: p, returns: atomic.returns, ordering: atomic.ordering,
          reads: atomic.reads, writes: atomic.writes,
          ...(atomic.operand !== undefined && args[atomic.operand] ? { operand: shortText(args[atomic.operand]!.text, 30) } : {}),
        });
      }
      return;
    }
    const barrier = r.barriers.get(name);
    if (barrier) {
      this.emit({ k: 'barrier', loc: this.loc(n), kind: barrier.kind, api: name });
      if (!r.frees.has(name) && !r.deferred.has(name)) return;
    }
    const free = r.frees.get(name);
    if (free) {
      for (const a of args) this.expr(a);
      const target = args[free.arg];
      const p = target ? this.path(target) : null;
      if (p) this.emit({ k: 'free', loc: this.loc(n), path: p, api: name, ...(free.kind !== 'free' ? { kind: free.kind } : {}), ...(free.clears ? { clears: true } : {}) });
      // an unmap or a reference drop is still a call of a function with its own locks and effects
      if (free.kind === 'free') return;
      this.emit({ k: 'call', loc: this.loc(n), callee: name, args: args.map((a) => this.path(a)), argText: args.map((a) => shortText(a.text, 40)) });
      return;
    }
    if (NOT_CALLS.has(name)) {
      let inner: SyntaxNode | null = name === 'ASSERT' && args.length === 1 ? args[0]! : null;
      while (inner?.type === 'parenthesized_expression') inner = inner.namedChildren[0] ?? null;
      const outer = this.assertedCall;
      if (inner?.type === 'call_expression' && inner.childForFieldName('function')?.type === 'identifier') this.assertedCall = inner;
      for (const a of args) this.expr(a);
      this.assertedCall = outer;
      return;
    }
    for (const a of args) this.expr(a);
    const p = n.startPosition;
    const tested = this.condCalls.get(`${p.row + 1}:${p.column + 1}`);
    this.emit({
      k: 'call', loc: this.loc(n), callee: name,
      args: args.map((a) => this.path(a)),
      argText: args.map((a) => shortText(a.text, 40)),
      ...(tested ? { assignedTo: tested } : {}),
      ...(n === this.assertedCall ? { asserted: true } : {}),
      ...(this.paramGuards.length ? { underParam: this.paramGuards.at(-1)! } : {}),
    });
    if (r.noreturn.has(name)) this.cur = -1; // BUG(), panic(): this path ends here
  }
}

export function buildFunction(def: FunctionDefNode, file: string, rules: RuleSet, globals: Scope['globals'], defines?: Defines): FunctionIR {
  return new FunctionBuilder(def, file, rules, globals, defines).build();
}
