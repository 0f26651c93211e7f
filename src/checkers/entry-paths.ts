// Naming the entry an access goes through, shared by the rules about hardware entries
// (torn-update, entry-disable-window).

/** `entry.ptr128->raw[1]` -> instance `entry.ptr128`, member `raw[1]`; no `->`: not through a pointer. */
export function splitEntry(text: string): { inst: string; member: string } | undefined {
  const i = text.lastIndexOf('->');
  if (i <= 0) return undefined;
  return { inst: text.slice(0, i).replace(/\s+/g, ''), member: text.slice(i + 2).replace(/\s+/g, '') };
}

/** The struct or union type of a field class (`irte32.flds.remap_en` -> `irte32`), a file scope dropped. */
export function entryType(cls: string): string {
  const c = cls.replace(/@[^.]*\.[ch]\b/, '');
  const i = c.indexOf('.');
  return i < 0 ? '' : c.slice(0, i);
}
