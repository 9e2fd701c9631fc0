// Bulk create dependencies (a needs b) of generation $gen; row.rel comes from an allow-list.
UNWIND $rows AS row
MATCH (a:Component {gen: $gen, id: row.source})
MATCH (b:Component {gen: $gen, id: row.target})
CREATE (a)-[r:$(row.rel)]->(b)
SET r.type = row.type, r.strength = row.strength, r.tolerance = row.tolerance
