// The groups that list any of $ids as a member.
UNWIND $ids AS id
MATCH (:Component {gen: $gen, id: id})-[:MEMBER_OF]->(g:Component)
RETURN DISTINCT g.id AS id
