// Blast radius: everything that needs $id, transitively, with its distance in hops.
// Every edge points from the one who needs to the one needed (a group HAS_MEMBER its
// members), so this follows edges backwards. $types: null or a list of dependency types
// ('member' for membership); $strength: null, 'hard' or 'soft' (membership counts as
// hard); $depth: null for no limit. Uses the live generation, so only $id is required.
MATCH (meta:Meta {key: 'impactgraph'})
MATCH (x:Component {gen: meta.gen, id: $id})
MATCH p = ANY SHORTEST (x) (()<-[r
    WHERE ($types IS NULL
           OR CASE WHEN r:HAS_MEMBER THEN 'member' ELSE r.type END IN $types)
      AND ($strength IS NULL OR coalesce(r.strength, 'hard') = $strength)
  ]-())+ (y)
// filters on the whole path stay out of the search: a path rejected there would make
// the search try every longer trail to the same node
WITH x, y, length(p) AS depth
WHERE y <> x AND ($depth IS NULL OR depth <= $depth)
RETURN y.id AS id, depth, y.kind AS kind, y.name AS name
ORDER BY depth, id
