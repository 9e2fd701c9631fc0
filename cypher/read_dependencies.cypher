// Every dependency of the live generation (member entries aside).
MATCH (a:Component {gen: $gen})-[r]->(b:Component)
WHERE NOT r:HAS_MEMBER
RETURN a.id AS source, b.id AS target, r.type AS type, r.strength AS strength,
       r.tolerance AS tolerance
