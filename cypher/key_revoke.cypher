// Mark the API key $id revoked at $when; a key revoked before keeps its first time. One row
// if the key exists, none otherwise.
MATCH (k:ApiKey {id: $id})
SET k.revoked = coalesce(k.revoked, $when)
RETURN k.id AS id
