// Every member entry of the live generation.
MATCH (g:Component {gen: $gen})-[r:HAS_MEMBER]->(m:Component)
RETURN g.id AS group, m.id AS member, r.mode AS mode, r.activation AS activation,
       r.position AS position
