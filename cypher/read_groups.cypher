// Groups by id with their members in order (to check a write against them).
UNWIND $ids AS id
MATCH (g:Component {gen: $gen, id: id})
OPTIONAL MATCH (g)-[r:HAS_MEMBER]->(m:Component)
WITH g, m, r ORDER BY r.position
RETURN g {.*} AS g,
       [x IN collect(CASE WHEN m IS NULL THEN NULL ELSE [m.id, r.mode, r.activation] END)
          WHERE x IS NOT NULL] AS members
