// Clean-up of a load that failed before its switch, one batch per call.
MATCH (c:Component {gen: $gen})
WITH c LIMIT $batch
DETACH DELETE c
RETURN count(*) AS deleted
