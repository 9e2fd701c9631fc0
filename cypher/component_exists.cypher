// Whether the live generation holds a component with id $id: one row, or none.
MATCH (meta:Meta {key: 'impactgraph'})
MATCH (c:Component {gen: meta.gen, id: $id})
RETURN c.id AS id
