// Dependencies and member entries of the live generation.
MATCH (:Component {gen: $gen})-[r]->(:Component)
RETURN count(CASE WHEN r:HAS_MEMBER THEN 1 END) AS members,
       count(CASE WHEN NOT r:HAS_MEMBER THEN 1 END) AS dependencies
