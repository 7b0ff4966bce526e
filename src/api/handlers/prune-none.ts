// The prune docker's `system prune` asks for of what skiffd has none of: build cache (POST
// /build/prune). Nothing to remove is dockerd's answer on a host without it, so docker's system
// prune completes instead of failing on a 501.
import { endpoint, q } from "../endpoint.ts";
import { filtersQuery } from "./params.ts";

export const buildPrune = endpoint({ query: { filters: filtersQuery, all: q.bool(), "keep-storage": q.int({ min: 0 }) } }, () => Response.json({ CachesDeleted: null, SpaceReclaimed: 0 }));
