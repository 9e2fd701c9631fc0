// Bulk create member entries (group)-[:HAS_MEMBER]->(member) of generation $gen. A row is
// [group node, member node, mode, activation, position] with the internal node ids that
// load_components returned in this load; the gen test makes sure an id names a node of
// this generation.
UNWIND $rows AS row
MATCH (g) WHERE id(g) = row[0] AND g.gen = $gen
MATCH (m) WHERE id(m) = row[1] AND m.gen = $gen
CREATE (g)-[:HAS_MEMBER {mode: row[2], activation: row[3], position: row[4]}]->(m)
