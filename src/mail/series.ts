// Patch series: group patch mails by thread (In-Reply-To / References) with a subject-based
// fallback, link the versions v1..vN of one series (same author, same cover or patch titles),
// and give every patch a key that stays the same across versions, so a finding reported on v2
// can be recognised as already reported when v3 arrives.

import { createHash } from 'node:crypto';
import { parseSubject } from './subject.js';
import type { IngestResult, MessageHeader, SubjectInfo } from './types.js';

export interface SeriesMember {
  messageId: string;
  subject: SubjectInfo;
  fromAddress: string;
  date: string;
  /** `<familyId>#<index>`: the same for patch i of every version of the series. */
  patchKey: string;
  /** `<familyId>:<normalized title>`: the same for a patch that kept its title across versions. */
  titleKey: string;
}

export interface Series {
  /** `<familyId>@v<version>`. */
  key: string;
  familyId: string;
  version: number;
  total: number | null;
  author: string;
  /** Normalized title of the cover letter, else of the first patch. */
  title: string;
  cover: SeriesMember | null;
  /** Patches (not the cover), by index. */
  patches: SeriesMember[];
  /** Indexes 1..total that were not seen. */
  missing: number[];
  /** How the patches were grouped: `thread` or `subject` (no threading headers). */
  groupedBy: 'thread' | 'subject';
}

export interface SeriesFamily {
  id: string;
  author: string;
  title: string;
  /** Oldest version first. */
  versions: Series[];
}

export interface SeriesGrouping {
  series: Series[];
  families: SeriesFamily[];
  /** messageId -> series key. */
  seriesOf: Map<string, string>;
}

interface Item {
  h: MessageHeader;
  s: SubjectInfo;
  time: number;
}

const sha = (s: string): string => createHash('sha1').update(s).digest('hex').slice(0, 12);

/** The input grouping needs: headers of patch mails and cover letters. */
export function seriesInputs(results: Iterable<IngestResult>): MessageHeader[] {
  const out: MessageHeader[] = [];
  for (const r of results) {
    if (!r.header) continue;
    if (r.status === 'patch' || r.reason === 'cover-letter') {
      const s = parseSubject(r.subject);
      if (s.isReply && r.reason !== 'cover-letter') continue; // a reviewer's diff is not part of the series
      if (r.patch?.quoted) continue;
      out.push(r.header);
    }
  }
  return out;
}

/** Group patch mails (and cover letters) into series and version families. */
export function groupSeries(headers: MessageHeader[]): SeriesGrouping {
  const items = new Map<string, Item>();
  for (const h of headers) {
    const s = parseSubject(h.subject);
    const t = Date.parse(h.date);
    items.set(h.messageId, { h, s, time: Number.isNaN(t) ? 0 : t });
  }
  // 1. Thread root: climb In-Reply-To while the parent is a mail of the same author and version.
  const rootOf = (it: Item): { root: string; threaded: boolean } => {
    let cur = it;
    const seen = new Set<string>([cur.h.messageId]);
    for (;;) {
      if (cur.s.isCover) return { root: cur.h.messageId, threaded: true };
      const parentId = cur.h.inReplyTo ?? cur.h.references[cur.h.references.length - 1] ?? null;
      if (!parentId) return { root: cur.h.messageId, threaded: cur !== it };
      const parent = items.get(parentId);
      if (!parent) {
        // The cover (or first patch) is not in the input: the siblings still share this parent.
        return { root: cur.s.index !== null ? parentId : cur.h.messageId, threaded: cur.s.index !== null || cur !== it };
      }
      if (seen.has(parentId) || parent.h.fromAddress !== it.h.fromAddress || parent.s.version !== it.s.version || parent.s.isReply) {
        return { root: cur.h.messageId, threaded: cur !== it };
      }
      seen.add(parentId);
      cur = parent;
    }
  };
  const groups = new Map<string, { items: Item[]; by: 'thread' | 'subject' }>();
  const unthreaded: Item[] = [];
  for (const it of items.values()) {
    const { root, threaded } = rootOf(it);
    if (!threaded && it.s.index !== null && !it.s.isCover) {
      unthreaded.push(it);
      continue;
    }
    const k = `${root}\u0000v${it.s.version}`;
    const g = groups.get(k) ?? { items: [], by: 'thread' as const };
    g.items.push(it);
    groups.set(k, g);
  }
  // 2. Fallback for numbered patches without threading headers: same author, version and total,
  //    sent within an hour of each other.
  unthreaded.sort((a, b) => a.time - b.time);
  const open = new Map<string, { key: string; last: number }>();
  for (const it of unthreaded) {
    const fk = `${it.h.fromAddress}\u0000${it.s.version}\u0000${it.s.total}`;
    const o = open.get(fk);
    let key: string;
    if (o && it.time - o.last <= 3600_000 && !groups.get(o.key)?.items.some((x) => x.s.index === it.s.index)) {
      key = o.key;
    } else {
      key = `subject:${it.h.messageId}\u0000v${it.s.version}`;
      groups.set(key, { items: [], by: 'subject' });
    }
    groups.get(key)?.items.push(it);
    open.set(fk, { key, last: it.time });
  }
  // 3. Series records (family ids come after linking versions).
  interface Draft {
    items: Item[];
    by: 'thread' | 'subject';
    author: string;
    version: number;
    total: number | null;
    title: string;
    coverTitle: string | null;
    patchTitles: Set<string>;
    /** A kernel tree tag such as `5.4` (stable review series). */
    tree: string;
    time: number;
  }
  const drafts: Draft[] = [];
  for (const g of groups.values()) {
    const sorted = [...g.items].sort((a, b) => (a.s.index ?? 1) - (b.s.index ?? 1) || a.time - b.time);
    const first = sorted[0];
    if (!first) continue;
    const cover = sorted.find((x) => x.s.isCover);
    const firstPatch = sorted.find((x) => !x.s.isCover) ?? first;
    drafts.push({
      items: sorted,
      by: g.by,
      author: first.h.fromAddress,
      version: first.s.version,
      total: sorted.map((x) => x.s.total).find((t) => t !== null) ?? null,
      title: (cover ?? firstPatch).s.normalized,
      coverTitle: cover && cover.s.normalized ? cover.s.normalized : null,
      patchTitles: new Set(sorted.filter((x) => !x.s.isCover).map((x) => x.s.normalized).filter((t) => t.length > 0)),
      tree: first.s.tags.find((t) => /^\d+\.\d+(\.\d+)?(-stable)?$/i.test(t)) ?? '',
      time: Math.min(...sorted.map((x) => x.time)),
    });
  }
  // 4. Families (union-find): same author and kernel tree tag (`[PATCH 5.4 ...]` stable trees
  //    stay apart), and either the same cover title or at least half of the smaller series'
  //    patch titles in common. One shared patch alone does not merge two different series.
  const parent = drafts.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i] ?? i] ?? i;
    return i;
  };
  const famKey = (d: Draft): string => `${d.author}\u0000${d.tree}`;
  const byTitle = new Map<string, number[]>();
  drafts.forEach((d, i) => {
    for (const t of [...d.patchTitles, ...(d.coverTitle ? [`cover:${d.coverTitle}`] : [])]) {
      const k = `${famKey(d)}\u0000${t}`;
      const arr = byTitle.get(k) ?? [];
      arr.push(i);
      byTitle.set(k, arr);
    }
  });
  const tried = new Set<string>();
  const related = (a: Draft, b: Draft): boolean => {
    if (a.coverTitle && a.coverTitle === b.coverTitle) return true;
    let common = 0;
    for (const t of a.patchTitles) if (b.patchTitles.has(t)) common++;
    const smaller = Math.min(a.patchTitles.size, b.patchTitles.size);
    return smaller > 0 && common * 2 >= smaller;
  };
  for (const ids of byTitle.values()) {
    for (let x = 0; x < ids.length; x++) {
      for (let y = x + 1; y < ids.length; y++) {
        const i = ids[x] as number;
        const j = ids[y] as number;
        const pk = `${i},${j}`;
        if (tried.has(pk)) continue;
        tried.add(pk);
        if (related(drafts[i] as Draft, drafts[j] as Draft)) parent[find(i)] = find(j);
      }
    }
  }
  const famMembers = new Map<number, Draft[]>();
  drafts.forEach((d, i) => {
    const r = find(i);
    const arr = famMembers.get(r) ?? [];
    arr.push(d);
    famMembers.set(r, arr);
  });
  const series: Series[] = [];
  const families: SeriesFamily[] = [];
  const seriesOf = new Map<string, string>();
  for (const members of famMembers.values()) {
    members.sort((a, b) => a.version - b.version || a.time - b.time);
    const oldest = members[0];
    if (!oldest) continue;
    const id = sha(`${oldest.author}\n${oldest.title}`);
    const fam: SeriesFamily = { id, author: oldest.author, title: oldest.title, versions: [] };
    const usedKeys = new Set<string>();
    for (const d of members) {
      let key = `${id}@v${d.version}`;
      // Two postings of the same version (a RESEND): keep both, apart.
      for (let n = 2; usedKeys.has(key); n++) key = `${id}@v${d.version}.${n}`;
      usedKeys.add(key);
      const member = (it: Item): SeriesMember => ({
        messageId: it.h.messageId,
        subject: it.s,
        fromAddress: it.h.fromAddress,
        date: it.h.date,
        patchKey: `${id}#${it.s.index ?? 1}`,
        titleKey: `${id}:${it.s.normalized}`,
      });
      const coverItem = d.items.find((x) => x.s.isCover);
      const patches = d.items.filter((x) => !x.s.isCover).map(member);
      const seen = new Set(patches.map((p) => p.subject.index ?? 1));
      const missing: number[] = [];
      if (d.total !== null) for (let i = 1; i <= d.total; i++) if (!seen.has(i)) missing.push(i);
      const s: Series = {
        key,
        familyId: id,
        version: d.version,
        total: d.total,
        author: d.author,
        title: d.title,
        cover: coverItem ? member(coverItem) : null,
        patches,
        missing,
        groupedBy: d.by,
      };
      for (const it of d.items) seriesOf.set(it.h.messageId, key);
      series.push(s);
      fam.versions.push(s);
    }
    families.push(fam);
  }
  return { series, families, seriesOf };
}

/**
 * The same patch in the earlier versions of its family: matched by title first (patches move
 * when a series gains or loses patches), else by index.
 */
export function earlierVersionsOf(family: SeriesFamily, member: SeriesMember, version: number): SeriesMember[] {
  const out: SeriesMember[] = [];
  for (const s of family.versions) {
    if (s.version >= version) continue;
    const byTitle = s.patches.find((p) => p.titleKey === member.titleKey);
    const byIndex = s.patches.find((p) => p.patchKey === member.patchKey);
    const hit = byTitle ?? byIndex;
    if (hit) out.push(hit);
  }
  return out;
}

/** Stable patch key (titleKey or patchKey) -> finding fingerprint -> first version it was reported on. */
export type ReportedStore = Map<string, Map<string, number>>;

/** Remember that `fingerprint` was reported on this patch in `version`. */
export function recordReported(store: ReportedStore, member: SeriesMember, version: number, fingerprint: string): void {
  for (const k of [member.titleKey, member.patchKey]) {
    const m = store.get(k) ?? new Map<string, number>();
    const prev = m.get(fingerprint);
    if (prev === undefined || version < prev) m.set(fingerprint, version);
    store.set(k, m);
  }
}

/**
 * The earlier version on which the same finding was already reported for this patch (matched
 * by title, else by index), or null when it is new.
 */
export function alreadyReported(store: ReportedStore, member: SeriesMember, version: number, fingerprint: string): number | null {
  let best: number | null = null;
  for (const k of [member.titleKey, member.patchKey]) {
    const v = store.get(k)?.get(fingerprint);
    if (v !== undefined && v < version && (best === null || v < best)) best = v;
  }
  return best;
}
