// Everything $id needs, transitively, with its distance in hops (a group needs its
// members). Same parameters as blast_radius.cypher.
MATCH (meta:Meta {key: 'impactgraph'})
MATCH (x:Component {gen: meta.gen, id: $id})
MATCH p = ANY SHORTEST (x) ((a)-[r]-(b)
    WHERE CASE WHEN r:MEMBER_OF THEN startNode(r) = b ELSE startNode(r) = a END
      AND ($types IS NULL
           OR CASE WHEN r:MEMBER_OF THEN 'member' ELSE r.type END IN $types)
      AND ($strength IS NULL OR coalesce(r.strength, 'hard') = $strength)
  )+ (y)
WHERE y <> x AND ($depth IS NULL OR length(p) <= $depth)
RETURN y.id AS id, length(p) AS depth
ORDER BY depth, id
