// Bulk create components of generation $gen, all of kind label $label (from a fixed
// allow-list). A row is a list in the order of the store's _LOAD_FIELDS; null values
// are not stored. Returns one record: the ids and the new nodes' internal ids, as two lists
// in the same order (for the edge batches of this load; one record, not one per row, as the
// driver's cost is per record).
UNWIND $rows AS row
CREATE (c:Component:$($label) {
  gen: $gen, id: row[0], name: row[1], kind: row[2], type: row[3], tier: row[4], rto: row[5],
  rpo: row[6], mtpd: row[7], recovery_time: row[8], restart_time: row[9],
  backup_interval: row[10], impact_per_hour: row[11], owner: row[12], team: row[13],
  tags: row[14], min_up: row[15], source: row[16], external_id: row[17]
})
RETURN collect(row[0]) AS ids, collect(id(c)) AS nodes
