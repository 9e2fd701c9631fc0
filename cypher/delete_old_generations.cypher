// Clean-up after a switch, one batch per call: nodes of generations older than the live one.
MATCH (m:Meta {key: 'impactgraph'})
MATCH (c:Component)
WHERE c.gen < m.gen
WITH c LIMIT $batch
DETACH DELETE c
RETURN count(*) AS deleted
