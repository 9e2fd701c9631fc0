// Blast radius: everything that needs $id, transitively, with its distance in hops.
// A group needs its members. $types: null or a list of dependency types ('member' for
// membership); $strength: null, 'hard' or 'soft' (membership counts as hard);
// $depth: null for no limit. Uses the live generation, so only $id is required.
MATCH (meta:Meta {key: 'impactgraph'})
MATCH (x:Component {gen: meta.gen, id: $id})
MATCH p = ANY SHORTEST (x) ((a)-[r]-(b)
    WHERE CASE WHEN r:MEMBER_OF THEN startNode(r) = a ELSE startNode(r) = b END
      AND ($types IS NULL
           OR CASE WHEN r:MEMBER_OF THEN 'member' ELSE r.type END IN $types)
      AND ($strength IS NULL OR coalesce(r.strength, 'hard') = $strength)
  )+ (y)
WHERE y <> x AND ($depth IS NULL OR length(p) <= $depth)
RETURN y.id AS id, length(p) AS depth
ORDER BY depth, id
