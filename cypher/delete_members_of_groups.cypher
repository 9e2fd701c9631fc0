// Drop the member entries of the groups $ids (before they are written again).
UNWIND $ids AS id
MATCH (:Component)-[r:MEMBER_OF]->(:Component {gen: $gen, id: id})
DELETE r
