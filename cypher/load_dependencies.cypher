// Bulk create dependencies (a needs b) of generation $gen, all of relationship type $rel
// (from an allow-list). A row is [source node, target node, type, strength, tolerance] with
// the internal node ids that load_components returned in this load; the gen test makes sure
// an id names a node of this generation.
UNWIND $rows AS row
MATCH (a) WHERE id(a) = row[0] AND a.gen = $gen
MATCH (b) WHERE id(b) = row[1] AND b.gen = $gen
CREATE (a)-[:$($rel) {type: row[2], strength: row[3], tolerance: row[4]}]->(b)
