// The hand-written models of the five seed bugs, each with a pre-fix and a fixed variant.
import { evtchnFifo } from './evtchn-fifo.js';
import { irqfdShutdown } from './irqfd-shutdown.js';
import type { SeedModel } from './seed.js';
import { vgicMigrateBarrier, vgicRankInversion } from './vgic-migrate.js';
import { vpciRemoval } from './vpci-removal.js';
import { xenMapcache } from './xen-mapcache.js';

export type { SeedModel } from './seed.js';
export { evtchnFifo, irqfdShutdown, vgicMigrateBarrier, vgicRankInversion, vpciRemoval, xenMapcache };

export const seedModels: SeedModel[] = [evtchnFifo, vgicRankInversion, vgicMigrateBarrier, xenMapcache, vpciRemoval, irqfdShutdown];
