// Which of $ids the live generation holds.
UNWIND $ids AS id
MATCH (c:Component {gen: $gen, id: id})
RETURN c.id AS id
