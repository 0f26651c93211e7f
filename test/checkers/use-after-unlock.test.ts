import { expect } from 'vitest';
import { ruleTester } from '../helpers/rule-tester.js';

const mc = `struct entry { char *base; int pins; };
struct cache { struct mutex lock; struct entry *last; };
static struct cache *mc;
void remap(struct entry *e) { mutex_lock(&mc->lock); kfree(e->base); e->base = NULL; mutex_unlock(&mc->lock); }
`;

ruleTester('use-after-unlock', {
  valid: [
    {
      name: 'the entry is pinned under the lock before the pointer leaves it (seed 002 fix)',
      code: `${mc}static char *lookup(void) { mc->last->pins++; return mc->last->base; }
char *map(void) { char *p; mutex_lock(&mc->lock); p = lookup(); mutex_unlock(&mc->lock); return p; }
void reader(char *dst) { char *p = map(); memcpy(dst, p, 4); }`,
    },
    {
      name: 'a pin guarded by a parameter, callers passing 1',
      code: `${mc}static char *lookup(int pin) { if (pin) { mc->last->pins++; } return mc->last->base; }
char *map(int pin) { char *p; mutex_lock(&mc->lock); p = lookup(pin); mutex_unlock(&mc->lock); return p; }
void reader(char *dst) { char *p = map(1); memcpy(dst, p, 4); }`,
    },
    {
      name: 'the pointer is used while the lock is still held',
      code: `${mc}static char *lookup(void) { return mc->last->base; }
void reader(char *dst) { char *p; mutex_lock(&mc->lock); p = lookup(); memcpy(dst, p, 4); mutex_unlock(&mc->lock); }`,
    },
  ],
  invalid: [
    {
      name: 'unpinned pointer used after the unlock while another path frees it (seed 002 lock=0)',
      code: `${mc}static char *lookup(int pin) { if (pin) { mc->last->pins++; } return mc->last->base; }
char *map(int pin) { char *p; mutex_lock(&mc->lock); p = lookup(pin); mutex_unlock(&mc->lock); return p; }
void *map_ram(void) { return map(0); }
void reader(char *dst) { char *p = map_ram(); memcpy(dst, p, 4); }`,
      functions: ['reader', 'map_ram', 'map', 'remap'],
      locks: ['cache.lock'],
      message: /reader uses the pointer returned by map_ram\(\).*remap frees entry\.base under cache\.lock/,
      check: (fs) => expect(fs[0]!.witness.map((w) => w.label)).toEqual(['using path', 'invalidating path']),
    },
  ],
});

ruleTester('use-after-unlock-lowconf', {
  valid: [
    {
      name: 'pinned',
      code: `struct entry { char *base; int pins; };
struct cache { struct mutex lock; struct entry *last; };
static struct cache *mc;
void repoint(struct entry *e, char *b) { mutex_lock(&mc->lock); e->base = b; mutex_unlock(&mc->lock); }
static char *lookup(void) { mc->last->pins++; return mc->last->base; }
char *map(void) { char *p; mutex_lock(&mc->lock); p = lookup(); mutex_unlock(&mc->lock); return p; }
void reader(char *dst) { char *p = map(); memcpy(dst, p, 4); }`,
    },
  ],
  invalid: [
    {
      name: 'other paths only re-point the source under the lock',
      code: `struct entry { char *base; int pins; };
struct cache { struct mutex lock; struct entry *last; };
static struct cache *mc;
void repoint(struct entry *e, char *b) { mutex_lock(&mc->lock); e->base = b; mutex_unlock(&mc->lock); }
static char *lookup(void) { return mc->last->base; }
char *map(void) { char *p; mutex_lock(&mc->lock); p = lookup(); mutex_unlock(&mc->lock); return p; }
void reader(char *dst) { char *p = map(); memcpy(dst, p, 4); }`,
      functions: ['reader', 'map', 'repoint'],
    },
  ],
});
