// Delete components with every dependency and member entry that names them.
UNWIND $ids AS id
MATCH (c:Component {gen: $gen, id: id})
DETACH DELETE c
