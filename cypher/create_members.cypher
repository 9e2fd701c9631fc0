// Member entries: (member)-[:MEMBER_OF]->(group), in the group's order (position).
UNWIND $rows AS row
MATCH (g:Component {gen: $gen, id: row.group})
MATCH (m:Component {gen: $gen, id: row.member})
CREATE (m)-[r:MEMBER_OF]->(g)
SET r.mode = row.mode, r.activation = row.activation, r.position = row.position
