// Drop the member entries of the groups $ids (before they are written again).
UNWIND $ids AS id
MATCH (:Component {gen: $gen, id: id})-[r:HAS_MEMBER]->(:Component)
DELETE r
