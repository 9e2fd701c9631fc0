// One chunk of generation $gen for a whole-model read: up to $batch components with ids after
// $after, in id order (keyset paging on the (gen, id) key, which gives the order), as one row
// of lists, each holding a component's values in the order of the store's COMPONENT_FIELDS,
// then its dependencies [target, type, strength, tolerance] and, for a group, its member
// entries [position, member, mode, activation]. One record per chunk, not per component:
// the driver's cost is per record.
MATCH (c:Component)
USING INDEX c:Component(gen, id)
WHERE c.gen = $gen AND c.id > $after
WITH c ORDER BY c.gen, c.id LIMIT $batch
RETURN collect([
  c.id, c.name, c.kind, c.type, c.tier, c.rto, c.rpo, c.mtpd, c.recovery_time,
  c.restart_time, c.backup_interval, c.impact_per_hour, c.owner, c.team, c.tags, c.source,
  c.external_id, c.min_up,
  [(c)-[r]->(b:Component) WHERE NOT r:HAS_MEMBER | [b.id, r.type, r.strength, r.tolerance]],
  [(c)-[r:HAS_MEMBER]->(m:Component) | [r.position, m.id, r.mode, r.activation]]
]) AS rows
