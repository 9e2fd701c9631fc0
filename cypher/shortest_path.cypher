// The shortest chain of needs from $source to $target ($source needs … needs $target);
// no row if there is none. types[i] is the dependency type of hop i ('member' for a group
// needing its member).
MATCH (meta:Meta {key: 'impactgraph'})
MATCH (s:Component {gen: meta.gen, id: $source})
MATCH (t:Component {gen: meta.gen, id: $target})
MATCH p = ANY SHORTEST (s)-[*]->(t)
RETURN [n IN nodes(p) | n.id] AS ids,
       [r IN relationships(p) | CASE WHEN r:HAS_MEMBER THEN 'member' ELSE r.type END] AS types
