// Every dependency type the live generation holds (member entries aside), to check the
// $types of a reachability query against.
MATCH (meta:Meta {key: 'impactgraph'})
MATCH (:Component {gen: meta.gen})-[r]->(:Component)
WHERE NOT r:HAS_MEMBER
RETURN DISTINCT r.type AS type
