// Member entries: (group)-[:HAS_MEMBER]->(member), in the group's order (position).
// Like every other edge it points from the one who needs to the one needed.
UNWIND $rows AS row
MATCH (g:Component {gen: $gen, id: row.group})
MATCH (m:Component {gen: $gen, id: row.member})
CREATE (g)-[r:HAS_MEMBER]->(m)
SET r.mode = row.mode, r.activation = row.activation, r.position = row.position
