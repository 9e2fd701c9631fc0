// Bulk create components of generation $gen, all of kind label $label (from a fixed
// allow-list). A row is a list in the order of the store's _LOAD_FIELDS; null values
// are not stored. Returns each new node's internal id for the edge batches of this load.
UNWIND $rows AS row
CREATE (c:Component:$($label) {
  gen: $gen, id: row[0], name: row[1], kind: row[2], type: row[3], tier: row[4], rto: row[5],
  rpo: row[6], mtpd: row[7], recovery_time: row[8], restart_time: row[9],
  backup_interval: row[10], impact_per_hour: row[11], owner: row[12], team: row[13],
  tags: row[14], min_up: row[15], source: row[16], external_id: row[17]
})
RETURN row[0] AS id, id(c) AS node
