// Create or replace dependencies keyed by (source, target, type); row.rel from an allow-list.
UNWIND $rows AS row
MATCH (a:Component {gen: $gen, id: row.source})
MATCH (b:Component {gen: $gen, id: row.target})
MERGE (a)-[r:$(row.rel) {type: row.type}]->(b)
SET r.strength = row.strength, r.tolerance = row.tolerance
