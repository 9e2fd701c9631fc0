// Every member entry of the live generation.
MATCH (m:Component {gen: $gen})-[r:MEMBER_OF]->(g:Component)
RETURN g.id AS group, m.id AS member, r.mode AS mode, r.activation AS activation,
       r.position AS position
