// The groups that list any of $ids as a member.
UNWIND $ids AS id
MATCH (g:Component)-[:HAS_MEMBER]->(:Component {gen: $gen, id: id})
RETURN DISTINCT g.id AS id
