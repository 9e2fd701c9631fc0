// The API key with id $id, as a property map: one row, or none.
MATCH (k:ApiKey {id: $id})
RETURN k {.*} AS k
