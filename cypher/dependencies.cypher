// Everything $id needs, transitively, with its distance in hops (a group needs its
// members). Same parameters as blast_radius.cypher.
MATCH (meta:Meta {key: 'impactgraph'})
MATCH (x:Component {gen: meta.gen, id: $id})
MATCH p = ANY SHORTEST (x) (()-[r
    WHERE ($types IS NULL
           OR CASE WHEN r:HAS_MEMBER THEN 'member' ELSE r.type END IN $types)
      AND ($strength IS NULL OR coalesce(r.strength, 'hard') = $strength)
  ]->())+ (y)
// filters on the whole path stay out of the search (see blast_radius.cypher)
WITH x, y, length(p) AS depth
WHERE y <> x AND ($depth IS NULL OR depth <= $depth)
RETURN y.id AS id, depth, y.kind AS kind, y.name AS name
ORDER BY depth, id
